'use strict';
/** Names taken from a call's source text: odin.watch(files.length) is recorded as "files.length". */

const fs = require('fs');
const { fileURLToPath } = require('url');

const sources = new Map();

/** The call site of `fn`'s caller as {file, line, column}, or null. */
function callSite(fn) {
  const savedPrepare = Error.prepareStackTrace;
  const savedLimit = Error.stackTraceLimit;
  const holder = {};
  try {
    Error.prepareStackTrace = (_, sites) => sites;
    Error.stackTraceLimit = 1;
    Error.captureStackTrace(holder, fn);
    const site = holder.stack && holder.stack[0];
    if (!site) return null;
    return { file: site.getFileName(), line: site.getLineNumber(), column: site.getColumnNumber() };
  } finally {
    Error.prepareStackTrace = savedPrepare;
    Error.stackTraceLimit = savedLimit;
  }
}

function sourceLines(file) {
  if (!sources.has(file)) {
    let lines = null;
    try {
      const path = file.startsWith('file:') ? fileURLToPath(file) : file;
      lines = fs.readFileSync(path, 'utf8').split('\n');
    } catch (err) {
      // no source (eval, REPL): the caller falls back to a fixed name
    }
    sources.set(file, lines);
  }
  return sources.get(file);
}

/** Index of the quote closing the string or template literal opening at text[open]. */
function skipQuoted(text, open) {
  const quote = text[open];
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

/** The first argument of the call whose parenthesis is the first one at or after `from`, or "". */
function firstArgument(text, from) {
  const open = text.indexOf('(', from);
  if (open < 0) return '';
  let depth = 0;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') i = skipQuoted(text, i);
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    else if ((c === ')' || c === ',') && depth === 0) return text.slice(open + 1, i).trim().split(/\s+/).join(' ');
  }
  return '';
}

/** The source text of the first argument given to `fn` by its caller, or "line N" as the Python library says. */
function argumentName(fn) {
  const site = callSite(fn);
  const fallback = `line ${(site && site.line) || 0}`;
  const lines = site && site.file && sourceLines(site.file);
  if (!lines || !site.line || site.line > lines.length) return fallback;
  const text = lines.slice(site.line - 1, site.line + 19).join('\n');
  return firstArgument(text, Math.max(0, (site.column || 1) - 1)) || fallback;
}

module.exports = { argumentName, firstArgument };
