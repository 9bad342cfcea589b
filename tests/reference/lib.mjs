// Shared pieces of the reference harness: where things live, an offline
// model loader, the wasm backend, JPEG decoding and binary output.
//
// Nothing here touches the network. Models are served to tfjs (and to
// @vladmandic/human) through a fetch replacement that answers only URLs
// under MODEL_ORIGIN from the local models directory and refuses every
// other request, so a config mistake fails loudly instead of downloading.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfconv from '@tensorflow/tfjs-converter';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import jpeg from 'jpeg-js';

export { tf };

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const CACHE = process.env.KS_CACHE || path.join(os.homedir(), '.cache', 'kiosk');
export const MODELS_DIR = process.env.KS_MODELS_DIR
  || path.join(CACHE, 'models', 'human-models-3.0.4', 'models');
export const SAMPLES_DIR = process.env.KS_SAMPLES_DIR || path.join(CACHE, 'samples', 'face-api');
export const GOLDEN_DIR = path.join(CACHE, 'golden');
export const SAMPLES = ['sample1', 'sample2', 'sample3', 'sample4', 'sample5', 'sample6'];

// A reserved (RFC 2606) host name: it can never resolve, and the fetch
// replacement below never tries.
export const MODEL_ORIGIN = 'http://kiosk-models.invalid/';

export function die(msg) {
  process.stderr.write(`${path.basename(process.argv[1] || 'reference')}: ${msg}\n`);
  process.exit(1);
}

function localFetch(input) {
  const url = typeof input === 'string' ? input : (input && input.url) || String(input);
  if (!url.startsWith(MODEL_ORIGIN)) {
    return Promise.reject(new Error(`network access refused in the offline reference harness: ${url}`));
  }
  const rel = decodeURIComponent(url.slice(MODEL_ORIGIN.length).split(/[?#]/)[0]);
  const file = path.resolve(MODELS_DIR, rel);
  if (!file.startsWith(path.resolve(MODELS_DIR) + path.sep)) {
    return Promise.reject(new Error(`model path escapes the models directory: ${rel}`));
  }
  let body;
  try {
    body = fs.readFileSync(file);
  } catch {
    return Promise.resolve(new Response('not found', { status: 404, statusText: 'Not Found' }));
  }
  const type = file.endsWith('.json') ? 'application/json' : 'application/octet-stream';
  return Promise.resolve(new Response(body, { status: 200, headers: { 'content-type': type } }));
}

export function installOfflineFetch() {
  globalThis.fetch = localFetch;
  tf.env().platform.fetch = localFetch;
}

export function checkInputsPresent() {
  if (!fs.existsSync(path.join(MODELS_DIR, 'blazeface.json'))) die(`no models in ${MODELS_DIR} (run tools/fetch-models)`);
  if (!fs.existsSync(path.join(SAMPLES_DIR, 'sample1.jpg'))) die(`no sample photos in ${SAMPLES_DIR} (run tools/fetch-samples)`);
}

export const WASM_DIR = path.join(HERE, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + path.sep;

// The threaded wasm build is browser-only: in Node the backend always
// reports no multithread support, so this runs single-threaded with SIMD.
export async function initWasm(threads = 2) {
  installOfflineFetch();
  wasm.setWasmPaths(WASM_DIR);
  const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  if (mt) wasm.setThreadsCount(threads);
  if (!await tf.setBackend('wasm')) die('cannot start the tfjs wasm backend');
  await tf.ready();
  return { backend: tf.getBackend(), simd: !!simd, threads: mt ? wasm.getThreadsCount() : 1 };
}

export async function loadModel(name) {
  return tfconv.loadGraphModel(`${MODEL_ORIGIN}${name}.json`);
}

// RGB, 8 bits, row-major; jpeg-js's own IDCT and chroma upsampling.
export function decodeJpeg(file) {
  const raw = jpeg.decode(fs.readFileSync(file), { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 512 });
  return { width: raw.width, height: raw.height, data: raw.data };
}

export function imageTensor(img) {
  return tf.tensor3d(Int32Array.from(img.data), [img.height, img.width, 3], 'int32');
}

export function writeFloat32(file, values) {
  const f = Float32Array.from(values);
  const buf = Buffer.alloc(f.length * 4);
  for (let i = 0; i < f.length; i++) buf.writeFloatLE(f[i], i * 4);
  fs.writeFileSync(file, buf);
}

export function writeJson(file, obj) {
  fs.writeFileSync(file, JSON.stringify(obj, null, 1) + '\n');
}

// mulberry32: a tiny, well-known 32-bit PRNG, so a C test can regenerate the
// random case bit for bit if it wants to instead of reading the file.
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
