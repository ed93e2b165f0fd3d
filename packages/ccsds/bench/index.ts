/**
 * `npm run bench`: runs every layer's benchmark file in turn (or those named on the command
 * line, e.g. `npm run bench -- spp`).
 */
const layers = [
  'core',
  'spp',
  'epp',
  'time',
  'decode',
  'coding',
  'coding-rs',
  'coding-conv',
  'coding-chain',
  'coding-ldpc',
  'link-tc',
  'link',
  'transport',
  'cfdp',
  'cfdp-pdu',
  'cfdp-recovery',
  'cfdp-concurrency',
  'bp',
  'bpsec',
  'mission',
];
const wanted = process.argv.slice(2);
for (const layer of layers) {
  if (wanted.length > 0 && !wanted.includes(layer)) continue;
  try {
    const mod = (await import(`./${layer}.js`)) as { run: () => Promise<void> };
    await mod.run();
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String(e).includes(`${layer}.`))
      continue;
    throw e;
  }
}
