// A kiosk process for tests/js/page_store.test.mjs: opens an engine on fileStore(path) and
// books stays `from`..`to`-1, printing "taken <i> <id>" after each createBooking returned
// (the parent kills it with SIGKILL at random moments and checks what it printed), then
// "done", and waits for its stdin to close.
import { openEngine, fileStore } from '../../../bindings/js/index.mjs';
import { NOW, hotelBatch, bookingArgs } from './store_data.mjs';

const [path, from, to] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const engine = await openEngine({ now: () => NOW, store: fileStore(path) });
if (engine.asOf().cursor === null) engine.applyChanges(hotelBatch());
process.stdout.write('open\n');
for (let i = from; i < to; i++) {
  const b = engine.createBooking(bookingArgs(i));
  process.stdout.write(`taken ${i} ${b.id}\n`);
}
engine.close();
process.stdout.write('done\n');
// Stay until the parent lets go (closes stdin) or kills us: a kill aimed at this run's
// last bookings then still finds the process, however fast they committed.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
