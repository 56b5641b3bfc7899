'use strict';
/**
 * A reader for the YAML that job files use: block mappings and sequences, flow lists and maps, plain, quoted and
 * block scalars, comments. Plain scalars are typed as PyYAML types them (YAML 1.1: yes/no are booleans, a float
 * needs a dot), so a job reads the same values in every language. Anchors, tags and multi-document streams are
 * refused with the line they are on.
 */

class YamlError extends Error {
  constructor(message, line) {
    super(line ? `line ${line}: ${message}` : message);
    this.name = 'YamlError';
    this.line = line;
  }
}

const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const INT = /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|0|[1-9][0-9_]*)$/;
const FLOAT = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** The value of a plain (unquoted) scalar. */
function plainValue(text) {
  if (text === '' || text === '~' || /^(?:null|Null|NULL)$/.test(text)) return null;
  if (BOOL.test(text)) return TRUE.test(text);
  if (INT.test(text)) {
    const clean = text.replace(/_/g, '');
    const sign = clean.startsWith('-') ? -1 : 1;
    const digits = clean.replace(/^[-+]/, '');
    if (digits.startsWith('0b')) return sign * parseInt(digits.slice(2), 2);
    if (digits.startsWith('0x')) return sign * parseInt(digits.slice(2), 16);
    if (digits.length > 1 && digits.startsWith('0')) return sign * parseInt(digits, 8);
    return sign * parseInt(digits, 10);
  }
  if (FLOAT.test(text)) {
    const clean = text.replace(/_/g, '').toLowerCase();
    if (clean.endsWith('.nan')) return NaN;
    if (clean.endsWith('.inf')) return clean.startsWith('-') ? -Infinity : Infinity;
    return parseFloat(clean);
  }
  return text;
}

const ESCAPES = { '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xa0', L: '\u2028', P: '\u2029' };
const HEX = { x: 2, u: 4, U: 8 };

/** Reads the quoted scalar opening at text[start]; returns [value, index after the closing quote]. */
function quoted(text, start, line) {
  const quote = text[start];
  let out = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (quote === "'" && c === "'") {
      if (text[i + 1] === "'") { out += "'"; i++; continue; }
      return [out, i + 1];
    }
    if (quote === '"' && c === '"') return [out, i + 1];
    if (quote === '"' && c === '\\') {
      const e = text[++i];
      if (e in HEX) {
        const hex = text.slice(i + 1, i + 1 + HEX[e]);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== HEX[e]) throw new YamlError(`bad escape \\${e}${hex}`, line);
        out += String.fromCodePoint(parseInt(hex, 16));
        i += HEX[e];
      } else if (e in ESCAPES) out += ESCAPES[e];
      else throw new YamlError(`unknown escape \\${e}`, line);
      continue;
    }
    out += c;
  }
  throw new YamlError('a quoted string must end on the line it starts (multi-line strings are not supported)', line);
}

/** Parses a flow value (scalar, [list] or {map}) from text at i; returns [value, next index]. */
function flow(text, i, line, inFlow) {
  while (text[i] === ' ') i++;
  const c = text[i];
  if (c === '"' || c === "'") return quoted(text, i, line);
  if (c === '[' || c === '{') {
    const list = c === '[';
    const out = list ? [] : {};
    i++;
    for (;;) {
      while (text[i] === ' ') i++;
      if (text[i] === (list ? ']' : '}')) return [out, i + 1];
      let value;
      if (list) {
        [value, i] = flow(text, i, line, true);
        out.push(value);
      } else {
        let key;
        [key, i] = flow(text, i, line, true);
        while (text[i] === ' ') i++;
        if (text[i] === ':') [value, i] = flow(text, i + 1, line, true);
        else value = null;
        out[String(key)] = value;
      }
      while (text[i] === ' ') i++;
      if (text[i] === ',') i++;
      else if (text[i] !== (list ? ']' : '}')) throw new YamlError(`expected ',' or '${list ? ']' : '}'}' in a flow ${list ? 'list' : 'map'}`, line);
    }
  }
  const stop = inFlow ? /[,\]}]|:(?: |$)|:(?=[,\]}])/g : /$/g;
  stop.lastIndex = i;
  const match = stop.exec(text);
  const end = match ? match.index : text.length;
  return [plainValue(text.slice(i, end).trim()), end];
}

/** Drops a comment (" #..." outside quotes) from a line. */
function stripComment(text) {
  let quote = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s\[{,:-]/.test(text[i - 1])) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]))) return text.slice(0, i);
  }
  return text;
}

/** Finds "key: value" in a line: returns [key, rest] or null when the line is not a mapping entry. */
function splitKey(text, line) {
  let key;
  let i;
  if (text[0] === '"' || text[0] === "'") {
    [key, i] = quoted(text, 0, line);
    if (text[i] !== ':') return null;
  } else {
    const match = /:(?: |$)/.exec(text);
    if (!match) return null;
    i = match.index;
    key = text.slice(0, i).trim();
    if (/^[\[{]/.test(key)) return null;
  }
  if (text[i + 1] !== undefined && text[i + 1] !== ' ') return null;
  return [String(key), text.slice(i + 1).trim()];
}

class Parser {
  constructor(source) {
    this.lines = [];
    source.replace(/\r\n?/g, '\n').split('\n').forEach((raw, n) => {
      if (/^\t| \t/.test(raw.match(/^[ \t]*/)[0])) throw new YamlError('tabs cannot indent YAML', n + 1);
      const text = stripComment(raw).replace(/\s+$/, '');
      if (n === 0 && text === '---') return;
      if (text === '...' || text === '---') throw new YamlError('only one YAML document is supported', n + 1);
      if (text.trim() !== '') this.lines.push({ n: n + 1, indent: text.length - text.trimStart().length, text: text.trim(), raw });
    });
    this.i = 0;
  }

  parse() {
    if (this.lines.length === 0) return null;
    const value = this.block(this.lines[0].indent);
    if (this.i < this.lines.length) throw new YamlError('unexpected indentation', this.lines[this.i].n);
    return value;
  }

  block(indent) {
    const first = this.lines[this.i];
    this.refuse(first);
    if (first.text === '-' || first.text.startsWith('- ')) return this.sequence(indent);
    if (splitKey(first.text, first.n)) return this.mapping(indent);
    this.i++;
    return this.scalar(first.text, first, indent);
  }

  refuse(line) {
    if (/^[&*!]|: [&*!]|^- [&*!]/.test(line.text)) throw new YamlError('anchors, aliases and tags are not supported', line.n);
    if (/^\? /.test(line.text)) throw new YamlError('complex keys are not supported', line.n);
  }

  mapping(indent) {
    const out = {};
    while (this.i < this.lines.length && this.lines[this.i].indent === indent) {
      const line = this.lines[this.i];
      this.refuse(line);
      const entry = splitKey(line.text, line.n);
      if (!entry) throw new YamlError(`expected "key: value", found ${JSON.stringify(line.text)}`, line.n);
      const [key, rest] = entry;
      if (Object.prototype.hasOwnProperty.call(out, key)) throw new YamlError(`key '${key}' appears twice`, line.n);
      this.i++;
      out[key] = this.value(rest, line, indent, true);
    }
    return out;
  }

  sequence(indent) {
    const out = [];
    while (this.i < this.lines.length && this.lines[this.i].indent === indent
           && (this.lines[this.i].text === '-' || this.lines[this.i].text.startsWith('- '))) {
      const line = this.lines[this.i];
      const rest = line.text.slice(1).trim();
      if (rest && splitKey(rest, line.n) && !/^[\[{"']/.test(rest)) {
        // "- key: value" opens a mapping whose keys line up with "key"
        const inner = indent + line.text.indexOf(rest);
        this.lines[this.i] = { ...line, indent: inner, text: rest };
        out.push(this.mapping(inner));
      } else {
        this.i++;
        out.push(this.value(rest, line, indent, false));
      }
    }
    return out;
  }

  /** The value after "key:" or "-": inline, a nested block, or (for a key) a sequence at the same indent. */
  value(rest, line, indent, isKey) {
    if (rest !== '') return this.scalar(rest, line, indent);
    const next = this.lines[this.i];
    if (next && next.indent > indent) return this.block(next.indent);
    if (isKey && next && next.indent === indent && (next.text === '-' || next.text.startsWith('- '))) return this.sequence(indent);
    return null;
  }

  scalar(text, line, indent) {
    const block = /^([|>])([-+]?)$/.exec(text);
    if (block) return this.blockScalar(block[1], block[2], indent);
    const [value, end] = flow(text, 0, line.n, false);
    if (text.slice(end).trim() !== '') throw new YamlError(`unexpected text after a value: ${JSON.stringify(text.slice(end).trim())}`, line.n);
    return value;
  }

  blockScalar(style, chomp, indent) {
    const start = this.i;
    const body = [];
    let width = null;
    while (this.i < this.lines.length && this.lines[this.i].indent > indent) {
      const line = this.lines[this.i];
      width = width === null ? line.indent : Math.min(width, line.indent);
      this.i++;
    }
    if (this.i === start) return '';
    // Blank lines inside the block were dropped with comments; rebuild from the raw lines between them.
    const first = this.lines[start].n;
    const last = this.lines[this.i - 1].n;
    for (let n = first; n <= last; n++) body.push(this.rawLine(n).slice(width));
    let text = style === '|' ? body.join('\n') : foldLines(body);
    if (chomp !== '-') text += '\n';
    return text;
  }

  rawLine(n) {
    const found = this.lines.find((l) => l.n === n);
    return found ? found.raw.replace(/\s+$/, '') : '';
  }
}

/** Folds a ">" block: a line break between two lines of text becomes a space, each empty line a newline. */
function foldLines(lines) {
  let out = '';
  lines.forEach((line, k) => {
    if (line === '') out += '\n';
    else out += (k > 0 && lines[k - 1] !== '' ? ' ' : '') + line;
  });
  return out;
}

/** Parses YAML text into plain objects, lists and scalars; throws YamlError naming the line. */
function parseYaml(text) {
  return new Parser(text).parse();
}

module.exports = { parseYaml, YamlError };
