'use strict';
/** The record protocol, version 1: one JSON object per line, written by a job and read by Odin's wrapper. */

const PROTOCOL_VERSION = 1;
const RESULT_NAME = 'result';

/** The current UTC time as ISO-8601 with microseconds and a "Z", as every record carries it. */
function utcNowText() {
  const { timeOrigin } = performance;
  const micros = Math.floor((timeOrigin + performance.now()) * 1000);
  const seconds = Math.floor(micros / 1e6);
  const text = new Date(seconds * 1000).toISOString().slice(0, 19);
  return `${text}.${String(micros - seconds * 1e6).padStart(6, '0')}Z`;
}

/**
 * A JSON.stringify replacer making any value representable, as the Python library does: non-finite numbers
 * become "NaN", "Infinity" or "-Infinity", sets become lists, maps objects, big integers numbers (or their
 * digits when too large), and functions or symbols their printed form.
 */
function jsonValue(key, value) {
  switch (typeof value) {
    case 'number':
      if (Number.isFinite(value)) return value;
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    case 'function':
    case 'symbol':
      return String(value);
    case 'undefined':
      return null;
    default:
      if (value instanceof Set) return [...value];
      if (value instanceof Map) return Object.fromEntries(value);
      return value;
  }
}

/** One protocol line, newline included, for a record made now. */
function encodeRecord(kind, name, value, success) {
  const record = { v: PROTOCOL_VERSION, kind, name, value, time: utcNowText() };
  if (success !== undefined && success !== null) record.success = success;
  try {
    return JSON.stringify(record, jsonValue) + '\n';
  } catch (err) {
    record.value = String(value); // a cycle: keep the printed form rather than lose the record
    return JSON.stringify(record, jsonValue) + '\n';
  }
}

module.exports = { PROTOCOL_VERSION, RESULT_NAME, utcNowText, encodeRecord, jsonValue };
