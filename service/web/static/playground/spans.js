// Span arithmetic for the playground: pure functions, no DOM.
//
// The API's spans are Python `str` indices, i.e. Unicode code points; JavaScript strings index
// UTF-16 code units, so every character outside the Basic Multilingual Plane (emoji, many CJK
// extensions) shifts all later offsets by one. Spans may also nest or cross (an issue and the
// verdict evidence sentence), and the text view needs a properly nested tree of elements.

/**
 * Return a function mapping a code point index of `text` to its UTF-16 index.
 * Indexes past the end map to `text.length`; negative ones to 0.
 * @param {string} text
 * @returns {(codePoint: number) => number}
 */
export function codePointToUtf16(text) {
  const offsets = [];
  let unit = 0;
  for (const character of text) {
    offsets.push(unit);
    unit += character.length;
  }
  offsets.push(unit);
  const last = offsets.length - 1;
  return (codePoint) => {
    const index = Number.isInteger(codePoint) ? codePoint : 0;
    return offsets[Math.max(0, Math.min(index, last))];
  };
}

/**
 * Split ranges into pieces that nest properly, in document order (a pre-order walk).
 *
 * Ranges are sorted by start, longer first, then by input order (so of two equal spans the one
 * given first is the outer one). A range that crosses the end of the range it starts inside is
 * cut there and continues as a further piece (`first: false`).
 * @template {{start: number, end: number}} R
 * @param {R[]} ranges
 * @returns {{start: number, end: number, range: R, first: boolean}[]}
 */
export function nestRanges(ranges) {
  const queue = ranges
    .map((range, seq) => ({ start: range.start, end: range.end, range, first: true, seq }))
    .filter((piece) => Number.isInteger(piece.start) && piece.end >= piece.start)
    .sort(byPosition);
  const pieces = [];
  const open = [];
  while (queue.length > 0) {
    const piece = queue.shift();
    while (open.length > 0 && open[open.length - 1].end <= piece.start) {
      open.pop();
    }
    const parent = open[open.length - 1];
    if (parent !== undefined && piece.end > parent.end) {
      insertSorted(queue, { ...piece, start: parent.end, first: false });
      piece.end = parent.end;
    }
    pieces.push(piece);
    open.push(piece);
  }
  return pieces.map(({ start, end, range, first }) => ({ start, end, range, first }));
}

function byPosition(a, b) {
  return a.start - b.start || b.end - a.end || a.seq - b.seq;
}

function insertSorted(queue, piece) {
  let index = queue.findIndex((other) => byPosition(piece, other) < 0);
  if (index < 0) {
    index = queue.length;
  }
  queue.splice(index, 0, piece);
}
