'use strict';
/** The Recorder: writes records to the wrapper's pipe, or readably to stderr in local test mode. */

const fs = require('fs');
const { RESULT_NAME, encodeRecord } = require('./record.cjs');

const FD_ENV = 'ODIN_RECORD_FD';

/** Writes all of text to fd synchronously, waiting out a full non-blocking pipe. */
function writeAll(fd, text) {
  const data = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += fs.writeSync(fd, data, offset, data.length - offset);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

/** A record as a person reads it on stderr when the job runs by hand, exactly as the Python library shows it. */
function readable(kind, name, value, success) {
  if (kind === 'result') return `odin: result (${success ? 'success' : 'failure'}): ${value}\n`;
  if (kind === 'condition') return `odin: condition (${name}) is ${value ? 'true' : 'false'}\n`;
  const line = encodeRecord(kind, name, value);
  return `odin: ${kind} ${name} = ${JSON.stringify(JSON.parse(line).value)}\n`;
}

class Recorder {
  /**
   * @param {object} [options]
   * @param {number} [options.fd] file descriptor to write to (default: the pipe in ODIN_RECORD_FD, else stderr)
   * @param {boolean} [options.local] local test mode: readable lines instead of protocol lines
   * @param {(text: string) => void} [options.write] where lines go instead of a descriptor (tests)
   */
  constructor(options = {}) {
    let { fd, local } = options;
    if (fd === undefined && local === undefined) ({ fd, local } = fromEnvironment());
    this.local = Boolean(local);
    this.fd = fd === undefined ? 2 : fd;
    this.write = options.write || ((text) => writeAll(this.fd, text));
    this.lastCondition = null;
    this.error = null;
  }

  /** Writes one record; an error writing it is kept in `error` and returned, never thrown. */
  record(kind, name, value, success) {
    if (kind === 'condition') this.lastCondition = value;
    try {
      this.write(this.local ? readable(kind, name, value, success) : encodeRecord(kind, name, value, success));
      return null;
    } catch (err) {
      this.error = this.error || err;
      if (!this.local) this.losePipe(err, kind, name, value, success);
      return err;
    }
  }

  /** The wrapper's pipe is gone: say so once, then keep the records readable on stderr. */
  losePipe(err, kind, name, value, success) {
    this.local = true;
    this.fd = 2;
    this.write = (text) => writeAll(2, text);
    this.write(`odin: the record pipe is gone (${err.code || err.message}); records now go to stderr\n`);
    this.write(readable(kind, name, value, success));
  }

  watch(name, value) {
    return this.record('watch', name, value);
  }

  condition(name, ok) {
    return this.record('condition', name, Boolean(ok));
  }

  /** Records the result and returns the exit code the job ends with: 0 on success, 1 on failure. */
  result(message, success) {
    const ok = typeof success === 'boolean' ? success : this.lastCondition !== false;
    this.record('result', RESULT_NAME, String(message), ok);
    return ok ? 0 : 1;
  }
}

/** The descriptor and mode the environment asks for: the wrapper's pipe, or local mode on stderr. */
function fromEnvironment() {
  const value = process.env[FD_ENV] || '';
  if (/^[0-9]+$/.test(value)) {
    try {
      const stat = fs.fstatSync(Number(value));
      if (stat.isFIFO() || stat.isSocket()) return { fd: Number(value), local: false };
    } catch (err) {
      // not open: run by hand with a stale variable; local mode
    }
  }
  return { fd: 2, local: true };
}

module.exports = { Recorder, FD_ENV, writeAll, readable };
