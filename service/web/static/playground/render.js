// Builds the analysis view with DOM APIs only. Review text (and every string the API returns,
// which is derived from it) goes into the page as Text nodes or textContent, never as HTML.

import { codePointToUtf16, nestRanges } from "./spans.js";

const SVG = "http://www.w3.org/2000/svg";

export const VERDICT_LABELS = {
  defects_found: "defects found",
  no_defects: "no defects",
  inconclusive: "inconclusive",
};

export const FLAG_DESCRIPTIONS = {
  contradiction: "The stated verdict disagrees with the issues.",
  no_verdict_statement: "The review states no verdict.",
  hedged: "The review qualifies its own conclusion.",
  off_task: "A security review that raises non-security findings.",
  truncated: "The body looks cut off.",
  encoding_repaired: "Broken encoding (mojibake) was repaired.",
  empty: "Nothing was left after normalisation.",
  capped: "Some output was capped at its limit.",
};

/** Create an element with classes, attributes and text content (never markup). */
export function element(tag, { className, text, attributes } = {}) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined && text !== null) {
    node.textContent = String(text);
  }
  for (const [name, value] of Object.entries(attributes ?? {})) {
    node.setAttribute(name, String(value));
  }
  return node;
}

/**
 * Fill `container` with `text`, every issue span a <mark> and the verdict evidence a <span>.
 * Returns the elements by issue index (first piece first) and the evidence pieces.
 */
export function renderText(container, text, analysis) {
  const toUtf16 = codePointToUtf16(text);
  const ranges = [];
  for (const issue of analysis.issues ?? []) {
    ranges.push({ kind: "issue", issue, ...utf16Span(issue.span, toUtf16) });
  }
  const evidence = analysis.verdict_evidence;
  if (evidence && evidence.span) {
    ranges.push({ kind: "evidence", ...utf16Span(evidence.span, toUtf16) });
  }
  const byIssue = new Map();
  const evidencePieces = [];
  const root = document.createDocumentFragment();
  const stack = [{ node: root, end: text.length }];
  let position = 0;
  const emitUntil = (limit) => {
    if (limit > position) {
      stack[stack.length - 1].node.append(document.createTextNode(text.slice(position, limit)));
      position = limit;
    }
  };
  for (const piece of nestRanges(ranges)) {
    while (stack.length > 1 && stack[stack.length - 1].end <= piece.start) {
      emitUntil(stack[stack.length - 1].end);
      stack.pop();
    }
    emitUntil(piece.start);
    const node = pieceElement(piece);
    stack[stack.length - 1].node.append(node);
    stack.push({ node, end: piece.end });
    if (piece.range.kind === "issue") {
      const index = piece.range.issue.index;
      byIssue.set(index, [...(byIssue.get(index) ?? []), node]);
    } else {
      evidencePieces.push(node);
    }
  }
  while (stack.length > 1) {
    emitUntil(stack[stack.length - 1].end);
    stack.pop();
  }
  emitUntil(text.length);
  container.replaceChildren(root);
  return { byIssue, evidencePieces };
}

function utf16Span(span, toUtf16) {
  const start = toUtf16(span?.start ?? 0);
  return { start, end: Math.max(start, toUtf16(span?.end ?? 0)) };
}

function pieceElement(piece) {
  if (piece.range.kind === "evidence") {
    return element("span", { className: "hl-evidence" });
  }
  const { issue } = piece.range;
  const mark = element("mark", {
    className: `hl hl-${issue.kind} sev-${issue.severity}`,
    attributes: {
      "data-issue": issue.index,
      "data-kind": issue.kind,
      "data-severity": issue.severity,
      title: `#${issue.index} ${issue.kind} · ${issue.category} · ${issue.severity}`,
    },
  });
  if (piece.first) {
    mark.classList.add("hl-start");
    mark.setAttribute("data-label", `#${issue.index} ${issue.severity}`);
  } else {
    mark.setAttribute("data-continuation", "");
  }
  return mark;
}

/** Fill the issue list: one button per issue. */
export function renderIssueList(list, issues) {
  list.replaceChildren(
    ...issues.map((issue) => {
      const button = element("button", {
        className: "issue-button",
        attributes: { type: "button", "data-issue": issue.index },
      });
      const head = element("span", { className: "issue-head" });
      head.append(
        element("span", { className: `kind-dot kind-${issue.kind}`, attributes: { "aria-hidden": "true" } }),
        element("span", { className: `sev-tag sev-${issue.severity}`, text: issue.severity }),
        element("span", { className: "issue-title", text: issueTitle(issue) }),
      );
      const meta = [issue.kind, issue.category, ...(issue.cwe ?? []), ...linesText(issue.lines)];
      button.append(head, element("span", { className: "issue-meta", text: meta.join(" · ") }));
      const item = element("li", { attributes: { "data-issue": issue.index } });
      item.append(button);
      return item;
    }),
  );
}

function issueTitle(issue) {
  const title = issue.title ?? issue.text ?? "";
  return title.length > 140 ? `${title.slice(0, 139)}…` : title;
}

function linesText(lines) {
  return (lines ?? []).map(({ start, end }) => (start === end ? `L${start}` : `L${start}-${end}`));
}

/** Show the verdict badge, the stated verdict and the flags. */
export function renderVerdict({ badge, stated, flags }, analysis) {
  badge.textContent = VERDICT_LABELS[analysis.verdict] ?? String(analysis.verdict);
  badge.className = `verdict-badge verdict-${analysis.verdict}`;
  badge.disabled = !analysis.verdict_evidence;
  badge.title = analysis.verdict_evidence
    ? "Show the sentence that states the verdict"
    : "The review states no verdict sentence";
  stated.textContent = analysis.stated_verdict
    ? `stated: ${VERDICT_LABELS[analysis.stated_verdict] ?? analysis.stated_verdict}`
    : "no stated verdict";
  flags.replaceChildren(
    ...(analysis.flags ?? []).map((flag) =>
      element("li", {
        className: `chip chip-${flag}`,
        text: flag,
        attributes: { title: FLAG_DESCRIPTIONS[flag] ?? flag },
      }),
    ),
  );
}

/** Draw the category counts as a horizontal bar chart in inline SVG (findings darker). */
export function renderCategoryChart(container, categories) {
  if (!categories || categories.length === 0) {
    container.replaceChildren(element("p", { className: "empty-note", text: "No issues, no categories." }));
    container.setAttribute("aria-label", "No categories");
    return;
  }
  const rowHeight = 22;
  const labelWidth = 150;
  const barWidth = 200;
  const height = categories.length * rowHeight;
  const most = Math.max(...categories.map((category) => category.count));
  const svg = svgElement("svg", {
    viewBox: `0 0 ${labelWidth + barWidth + 40} ${height}`,
    class: "chart",
    "aria-hidden": "true",
  });
  categories.forEach((category, row) => {
    const y = row * rowHeight;
    const group = svgElement("g", { class: `bar-row family-${category.family}`, "data-category": category.id });
    const label = svgElement("text", { x: labelWidth - 8, y: y + 15, class: "bar-label", "text-anchor": "end" });
    label.textContent = category.id;
    const width = (category.count / most) * barWidth;
    const findings = (category.findings / most) * barWidth;
    const title = svgElement("title", {});
    title.textContent = `${category.id}: ${category.count} issue(s), ${category.findings} finding(s)`;
    group.append(
      title,
      label,
      svgElement("rect", { x: labelWidth, y: y + 4, width, height: rowHeight - 8, rx: 2, class: "bar" }),
      svgElement("rect", { x: labelWidth, y: y + 4, width: findings, height: rowHeight - 8, rx: 2, class: "bar-findings" }),
    );
    const count = svgElement("text", { x: labelWidth + width + 6, y: y + 15, class: "bar-count" });
    count.textContent = String(category.count);
    group.append(count);
    svg.append(group);
  });
  container.replaceChildren(svg);
  container.setAttribute(
    "aria-label",
    categories.map((category) => `${category.id}: ${category.count}`).join(", "),
  );
}

function svgElement(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    node.setAttribute(name, String(value));
  }
  return node;
}
