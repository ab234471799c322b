// The kiosk page: keeps its configuration on the device (so it restarts offline), installs
// the service worker, and frames <edgestay-widget kiosk store="opfs"> with the online
// indicator, the outbox counter, a settings panel and a printed-style confirmation.
import '../widget/edgestay-widget.js';
import { money, longDate } from '../widget/words.js';

const $ = (id) => document.getElementById(id);

// ?hotel=&token= on first start; afterwards from localStorage (an offline restart has no query).
function config() {
  const q = new URLSearchParams(location.search);
  let saved = {};
  try { saved = JSON.parse(localStorage.getItem('edgestay-kiosk') || '{}'); } catch { /* fresh */ }
  const cfg = {
    hotel: q.get('hotel') || saved.hotel || '1',
    token: q.get('token') || saved.token || '',
    user: q.get('user') || saved.user || '',
    server: q.get('server') || saved.server || location.origin,
  };
  localStorage.setItem('edgestay-kiosk', JSON.stringify(cfg));
  return cfg;
}

const cfg = config();
const swReady = 'serviceWorker' in navigator
  ? navigator.serviceWorker.register('sw.js').then(() => navigator.serviceWorker.ready).catch((e) => { console.warn('service worker', e); return null; })
  : Promise.resolve(null);

const widget = document.createElement('edgestay-widget');
widget.setAttribute('kiosk', '');
widget.setAttribute('store', 'opfs');
widget.setAttribute('store-name', `kiosk-hotel-${cfg.hotel}`);
widget.setAttribute('server', cfg.server);
widget.setAttribute('hotel', cfg.hotel);
widget.setAttribute('token', cfg.token);
widget.setAttribute('heading', 'Choose your dates and room');
if (cfg.user) widget.setAttribute('user', cfg.user);
$('main').append(widget);
window.kiosk = { widget, ready: widget.ready, swReady };

// ---- indicator and outbox counter ------------------------------------------------------
let lastStatus = { online: false, outbox: 0 };
function showStatus(s) {
  lastStatus = s;
  const online = s.online && navigator.onLine;
  $('online').dataset.online = String(online);
  $('online').textContent = online ? 'Online' : 'Offline';
  const n = s.outbox;
  $('outbox').dataset.count = String(n);
  $('outbox').textContent = n === 0 ? 'All bookings synced' : `${n} booking${n === 1 ? '' : 's'} waiting to sync`;
  const ro = $('readonly');
  ro.hidden = !s.readOnly;
  ro.textContent = s.readOnly ? 'This window is read-only: the kiosk is already open in another tab or window on this device. Close this one, or use the other.' : '';
}
widget.addEventListener('edgestay-status', (e) => showStatus(e.detail));
addEventListener('online', () => {
  showStatus(lastStatus);
  widget.client?.call('syncNow').catch(() => {});  // drain the outbox now, not after a backoff
});
addEventListener('offline', () => showStatus(lastStatus));

// ---- printed-style confirmation ----------------------------------------------------------
let shown = null;
widget.addEventListener('edgestay-booking', (e) => {
  const { booking, name } = e.detail;
  if (shown !== null && shown !== booking.id) return;
  shown = booking.id;
  const cur = widget.currency;
  const line = (k, v) => `${k.padEnd(10)} ${v}`;
  const status = booking.status === 'PENDING_SYNC' ? 'BOOKED (will sync when online)'
    : booking.status === 'CONFIRMED' && booking.serverId == null ? 'CONFIRMED (a room held for this kiosk)'
      : booking.status === 'CONFIRMED' ? `CONFIRMED #${booking.serverId}` : booking.status;
  const receipt = $('receipt');
  receipt.dataset.status = booking.status;
  receipt.dataset.bookingId = String(booking.id);
  receipt.textContent = [
    '        edgestay        ',
    '------------------------',
    line('Guest', name),
    line('Room', booking.roomTypeName),
    line('Arrive', longDate(booking.checkIn)),
    line('Leave', longDate(booking.checkOut)),
    line('Nights', String(booking.nights)),
    line('Guests', String(booking.guests)),
    line('Total', money(booking.totalCents, cur)),
    '------------------------',
    line('Status', status),
    booking.status === 'REJECTED' ? `Please see reception: ${booking.rejectMessage ?? booking.rejectReason ?? ''}` : 'Thank you!',
  ].join('\n');
  if (!$('confirmation').open) $('confirmation').showModal();
});
$('confirmation-close').addEventListener('click', () => {
  $('confirmation').close();
  shown = null;
});

// ---- settings ----------------------------------------------------------------------------
async function showSettings() {
  const s = await widget.client?.call('status').catch(() => null);
  const stores = { opfs: 'on this device (origin private file system, page by page)', indexeddb: 'on this device (IndexedDB, written behind)' };
  $('set-store').textContent = stores[s?.store] ?? s?.store ?? '–';
  $('set-persisted').textContent = navigator.storage?.persisted ? ((await navigator.storage.persisted()) ? 'yes' : 'no (the browser may clear it when space is short)') : 'unknown';
  const est = await navigator.storage?.estimate?.().catch(() => null);
  $('set-usage').textContent = est ? `${(est.usage / 1048576).toFixed(1)} MB` : '–';
  $('set-lock').textContent = s?.readOnly ? 'read-only (another window owns the store)' : 'sells and saves';
  $('set-save').textContent = s?.saveMsP50 != null
    ? `${s.saveMsP50.toFixed(1)} ms, ${(s.saveBytesP50 / 1024).toFixed(0)} KB written (median of ${s.saves})` : '–';
  $('set-sw').textContent = navigator.serviceWorker?.controller ? 'installed' : 'installing…';
}
$('settings-open').addEventListener('click', async () => {
  await showSettings();
  await showLeases();
  $('settings').showModal();
});

// ---- rooms held for this kiosk (allotment leases) ----------------------------------------
const isoDay = (d) => d.toISOString().slice(0, 10);
async function showLeases() {
  const client = widget.client;
  if (!client) return;
  const [leases, roomTypes] = await Promise.all([client.call('leases').catch(() => []), client.call('roomTypes').catch(() => [])]);
  const names = new Map(roomTypes.map((rt) => [rt.id, rt.name]));
  const select = $('lease-room');
  if (select.options.length === 0) {
    for (const rt of roomTypes) select.append(new Option(rt.name, String(rt.id)));
    $('lease-from').value = isoDay(new Date());
  }
  const list = $('leases');
  list.replaceChildren();
  const active = leases.filter((l) => l.usable);
  if (active.length === 0) list.append(Object.assign(document.createElement('li'), { textContent: 'None.' }));
  for (const l of active) {
    const left = Math.min(...l.nights.map((n) => n.unitsLeft));
    const li = document.createElement('li');
    li.dataset.leaseId = String(l.id);
    li.append(`${names.get(l.roomTypeId) ?? `Room type ${l.roomTypeId}`}: ${longDate(l.from)} – ${longDate(l.to)}, `
      + `${left} of ${l.rooms} left, until ${new Date(l.usableUntil).toLocaleString()}`);
    const release = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Release' });
    release.addEventListener('click', () => leaseAction(() => client.call('release', { id: l.id }), 'Released.'));
    li.append(release);
    list.append(li);
  }
}

async function leaseAction(run, done) {
  const message = $('lease-message');
  try {
    await run();
    message.textContent = done;
  } catch (e) {
    const reason = e.details?.reason ? ` (${e.details.reason.replace(/_/g, ' ')})` : '';
    message.textContent = `Not held: ${e.message}${reason}`;
  }
  await showLeases();
}

$('lease-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const from = $('lease-from').value;
  const to = isoDay(new Date(Date.parse(from) + Number($('lease-nights').value) * 86400000));
  const rooms = Number($('lease-rooms').value);
  leaseAction(() => widget.client.call('reserve', {
    roomTypeId: Number($('lease-room').value), from, to, rooms, hours: Number($('lease-hours').value),
  }), `${rooms} room${rooms === 1 ? '' : 's'} held for this kiosk.`);
});
$('settings-close').addEventListener('click', () => $('settings').close());
$('persist').addEventListener('click', async () => {
  if (navigator.storage?.persist) await navigator.storage.persist();
  await showSettings();
});
// Asked once at start; the answer shows in the settings panel.
navigator.storage?.persist?.().catch(() => {});
