/** Module resolution hook: the bare name "odin" falls back to this package when nothing else provides it. */
const fallback = new URL('./odin.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier !== 'odin') return nextResolve(specifier, context);
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND') return { url: fallback, format: 'module', shortCircuit: true };
    throw err;
  }
}
