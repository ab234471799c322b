// A raw core (no JS wrapper) opened on the image of a generated dataset: for tests that
// drive the boundary (coreCaller) directly and compare the core's answers to texts.
import { openEngine } from '../../../bindings/js/index.mjs';
import { coreCaller, loadCore } from '../../../bindings/js/loader.mjs';
import { generateDataset } from './gen.mjs';

/**
 * Returns { ds, image, core, methods, ids, calls }: the dataset of `seed`, its image, the
 * opened core (close it with core.delete()), its method table, the method ids by name,
 * and its coreCaller.
 */
export async function coreOnDataset(seed) {
  const ds = generateDataset(seed);
  const setup = await openEngine({ now: () => ds.now, cache: false });
  for (const batch of ds.batches) setup.applyChanges(batch);
  const image = setup.exportDatabase();
  setup.close();
  const module = await loadCore();
  const core = new module.Core();
  const opened = core.open(image);
  if (opened !== '') throw new Error(`the core refused the dataset's image: ${opened}`);
  const methods = JSON.parse(core.methods());
  const ids = new Map(methods.map((m, i) => [m.name, i]));
  return { ds, image, core, methods, ids, calls: coreCaller(module, core) };
}
