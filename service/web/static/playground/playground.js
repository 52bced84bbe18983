// The playground page: read a review (typed, pasted, dropped or an example), send it to
// POST /v1/analyze and show the Analysis. URLs are relative, so the page also works when the
// service is mounted under a path prefix.

import {
  element,
  renderCategoryChart,
  renderIssueList,
  renderText,
  renderVerdict,
} from "./render.js";

const ANALYZE_URL = "v1/analyze";
const EXAMPLES_URL = "static/examples.json";
const DEFAULT_FORMAT = "json";
// Files larger than this are refused before reading; the service has its own, smaller limit.
const MAX_FILE_BYTES = 16 * 1024 * 1024;

const $ = (id) => document.getElementById(id);

const ui = {
  form: $("analyze-form"),
  review: $("review"),
  dropzone: $("dropzone"),
  file: $("file"),
  format: $("format"),
  apiKey: $("api-key"),
  analyze: $("analyze"),
  status: $("status"),
  examples: $("examples"),
  result: $("result"),
  badge: $("verdict"),
  stated: $("stated-verdict"),
  flags: $("flags"),
  textView: $("text-view"),
  issueList: $("issue-list"),
  issueCount: $("issue-count"),
  chart: $("category-chart"),
  formatOutput: $("format-output"),
  formatName: $("format-name"),
  formatText: $("format-text"),
  jsonText: $("json-text"),
};

let inFlight = null;
let highlights = { byIssue: new Map(), evidencePieces: [] };

function setStatus(message, isError = false) {
  ui.status.textContent = message;
  ui.status.classList.toggle("status-error", isError);
}

function requestHeaders(accept) {
  const headers = { "Content-Type": "application/json", Accept: accept };
  const key = ui.apiKey.value.trim();
  if (key !== "") {
    headers["X-API-Key"] = key;
  }
  return headers;
}

async function post(url, body, accept, signal) {
  return fetch(url, {
    method: "POST",
    headers: requestHeaders(accept),
    body: JSON.stringify({ body }),
    cache: "no-store",
    credentials: "same-origin",
    redirect: "error",
    signal,
  });
}

async function problemMessage(response) {
  let detail = "";
  try {
    const problem = await response.json();
    detail = [problem.title, problem.detail].filter(Boolean).join(": ");
  } catch {
    detail = response.statusText;
  }
  return `${response.status} ${detail}`.trim();
}

/** Return the review as sent: lone surrogates (not valid UTF-8) become U+FFFD. */
function reviewBody() {
  const text = ui.review.value;
  return typeof text.toWellFormed === "function" ? text.toWellFormed() : text;
}

async function analyze() {
  const body = reviewBody();
  if (body === "") {
    setStatus("Paste a review first, or pick an example.", true);
    ui.review.focus();
    return;
  }
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  ui.analyze.disabled = true;
  setStatus("Analyzing…");
  const started = performance.now();
  try {
    const response = await post(ANALYZE_URL, body, "application/json", controller.signal);
    if (!response.ok) {
      setStatus(await problemMessage(response), true);
      return;
    }
    const analysis = await response.json();
    show(body, analysis);
    const count = analysis.issues.length;
    setStatus(`${count} issue${count === 1 ? "" : "s"}`);
    // The time goes in a tooltip: the visible page stays the same from run to run.
    ui.status.title = `answered in ${Math.round(performance.now() - started)} ms`;
    await showFormat(body, controller.signal);
  } catch (error) {
    if (error.name !== "AbortError") {
      setStatus(`The request failed: ${error.message}`, true);
    }
  } finally {
    if (inFlight === controller) {
      inFlight = null;
      ui.analyze.disabled = false;
    }
  }
}

/** For a format other than JSON, fetch and show the document the API returns for it, raw. */
async function showFormat(body, signal) {
  const format = ui.format.value || DEFAULT_FORMAT;
  if (format === DEFAULT_FORMAT) {
    ui.formatOutput.hidden = true;
    return;
  }
  const url = `${ANALYZE_URL}?${new URLSearchParams({ format })}`;
  const response = await post(url, body, "*/*", signal);
  ui.formatName.textContent = format;
  ui.formatText.textContent = response.ok ? await response.text() : await problemMessage(response);
  ui.formatOutput.hidden = false;
}

function show(body, analysis) {
  ui.result.hidden = false;
  renderVerdict({ badge: ui.badge, stated: ui.stated, flags: ui.flags }, analysis);
  highlights = renderText(ui.textView, body, analysis);
  renderIssueList(ui.issueList, analysis.issues);
  ui.issueCount.textContent = `(${analysis.issues.length})`;
  renderCategoryChart(ui.chart, analysis.categories);
  ui.jsonText.textContent = JSON.stringify(analysis, null, 2);
}

function scrollBehavior() {
  return window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth";
}

function focusPieces(pieces, { scroll = true } = {}) {
  for (const active of ui.textView.querySelectorAll(".is-active")) {
    active.classList.remove("is-active");
  }
  for (const piece of pieces) {
    piece.classList.add("is-active");
  }
  if (scroll && pieces.length > 0) {
    pieces[0].scrollIntoView({ block: "center", behavior: scrollBehavior() });
  }
}

function selectIssue(index, { scrollText }) {
  for (const item of ui.issueList.children) {
    const selected = item.dataset.issue === String(index);
    item.classList.toggle("is-selected", selected);
    if (selected && !scrollText) {
      item.scrollIntoView({ block: "nearest", behavior: scrollBehavior() });
    }
  }
  focusPieces(highlights.byIssue.get(index) ?? [], { scroll: scrollText });
}

async function loadFile(file) {
  if (file.size > MAX_FILE_BYTES) {
    setStatus(`${file.name} is too large (${file.size} bytes).`, true);
    return;
  }
  ui.review.value = await file.text();
  setStatus(`Loaded ${file.name}; press Analyze.`);
}

async function loadExamples() {
  try {
    const response = await fetch(EXAMPLES_URL, { cache: "no-cache" });
    if (!response.ok) {
      return;
    }
    const { examples } = await response.json();
    for (const example of examples) {
      const button = element("button", {
        className: "example-button",
        text: example.id,
        attributes: { type: "button", title: example.body.slice(0, 200) },
      });
      button.addEventListener("click", () => {
        ui.review.value = example.body;
        analyze();
      });
      ui.examples.append(button);
    }
  } catch {
    // The examples are a convenience: the page works without them.
  }
}

function wire() {
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    analyze();
  });
  ui.review.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      analyze();
    }
  });
  ui.file.addEventListener("change", () => {
    const [file] = ui.file.files;
    if (file) {
      loadFile(file);
    }
    ui.file.value = "";
  });
  ui.dropzone.addEventListener("dragover", (event) => {
    if (event.dataTransfer?.types.includes("Files")) {
      event.preventDefault();
      ui.dropzone.classList.add("is-dragging");
    }
  });
  ui.dropzone.addEventListener("dragleave", () => ui.dropzone.classList.remove("is-dragging"));
  ui.dropzone.addEventListener("drop", (event) => {
    ui.dropzone.classList.remove("is-dragging");
    const [file] = event.dataTransfer?.files ?? [];
    if (file) {
      event.preventDefault();
      loadFile(file);
    }
  });
  ui.issueList.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-issue]");
    if (button) {
      selectIssue(Number(button.dataset.issue), { scrollText: true });
    }
  });
  ui.textView.addEventListener("click", (event) => {
    const mark = event.target.closest("mark[data-issue]");
    if (mark) {
      selectIssue(Number(mark.dataset.issue), { scrollText: false });
    }
  });
  ui.badge.addEventListener("click", () => focusPieces(highlights.evidencePieces));
}

wire();
loadExamples();
document.documentElement.dataset.ready = "true";
