// <edgestay-widget server hotel token [calendar] [locale] [currency] [user] [store] [kiosk]>
// A hotel's booking widget: a price calendar that doubles as a range date picker, room type
// cards, and a booking form. The first calendar is painted from a small JSON answer (the
// `calendar` URL: an edge's or the web server's calendar); meanwhile the wasm engine loads
// in a module worker (engine-worker.js) and from then on every date or guest change is
// answered locally, with no network request. Plain custom element + shadow DOM, no
// dependencies (docs/WIDGET.md says why).
import { EngineClient } from './engine-client.js';
import {
  money, addDays, addMonths, daysBetween, isoDay, longDate, shortDate, monthTitle,
  nightState, nightWords, reasonWords, rejectionWords,
} from './words.js';

const STYLE = `
:host { display: block; font-family: var(--es-font, system-ui, sans-serif); color: var(--es-fg, #1d2430);
  --_accent: var(--es-accent, #0b5cad); --_bg: var(--es-bg, #ffffff); --_muted: var(--es-muted, #555e6b);
  --_line: var(--es-line, #c9d0da); --_danger: var(--es-danger, #a4161a); --_ok: var(--es-ok, #1f6f3a);
  --_radius: var(--es-radius, 8px); --_focus: var(--es-focus, #f0a500); --_sold: var(--es-sold, #eceff3);
  --_tap: var(--es-tap, 40px); }
:host([kiosk]) { font-size: 1.25rem; --_tap: var(--es-tap, 64px); }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.w { background: var(--_bg); border: 1px solid var(--_line); border-radius: var(--_radius); padding: 1rem; max-width: 64rem; }
h2 { margin: 0 0 .25rem; font-size: 1.25em; }
h3 { margin: 0; font-size: 1.05em; }
.status { margin: 0 0 .75rem; color: var(--_muted); font-size: .9em; min-height: 1.2em; }
.controls { display: flex; flex-wrap: wrap; gap: .75rem 1.5rem; align-items: end; margin-bottom: .75rem; }
label { display: flex; flex-direction: column; gap: .25rem; font-size: .9em; }
select, input, button { font: inherit; min-height: var(--_tap); }
select, input { border: 1px solid var(--_muted); border-radius: 6px; padding: .25rem .5rem; background: #fff; color: inherit; }
button { border-radius: 6px; border: 1px solid var(--_accent); background: #fff; color: var(--_accent); padding: 0 .9rem; cursor: pointer; }
button.primary { background: var(--_accent); color: #fff; }
button[disabled], button[aria-disabled="true"] { cursor: not-allowed; opacity: .6; }
:focus-visible { outline: 3px solid var(--_focus); outline-offset: 2px; }
.stay-summary { font-weight: 600; }
.cal-head { display: flex; align-items: center; justify-content: space-between; gap: .5rem; margin: .5rem 0; }
.cal-head button { min-width: var(--_tap); }
.months { display: flex; flex-wrap: wrap; gap: 1rem; }
.month { flex: 1 1 18rem; min-width: 0; }
.month h3 { text-align: center; margin-bottom: .25rem; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th { font-size: .75em; color: var(--_muted); font-weight: 600; padding: .15rem 0; }
td { padding: 1px; }
.day { position: relative; width: 100%; min-height: var(--_tap); padding: 2px 0; display: flex; flex-direction: column; align-items: center;
  justify-content: center; border: 1px solid transparent; background: transparent; color: inherit; border-radius: 4px; line-height: 1.1; }
.day .n { font-weight: 600; }
.day .p { font-size: .68em; color: var(--_ok); white-space: nowrap; }
.day[data-state="sold-out"], .day[data-state="stop-sell"], .day[data-state="closed"] { background: var(--_sold); }
.day[data-state="sold-out"] .p, .day[data-state="stop-sell"] .p, .day[data-state="closed"] .p { color: var(--_danger); }
.day[data-past] { opacity: .45; }
.day.flag::after { content: ""; width: 5px; height: 5px; border-radius: 50%; background: var(--_muted); margin-top: 1px; }
.day.in-range { background: color-mix(in srgb, var(--_accent) 15%, transparent); }
.day[aria-pressed="true"] { background: var(--_accent); color: #fff; }
.day[aria-pressed="true"] .p { color: #fff; }
.hint { min-height: 1.3em; margin: .5rem 0; }
.legend { font-size: .8em; color: var(--_muted); margin: .25rem 0 .75rem; }
.cards { list-style: none; padding: 0; margin: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: .75rem; }
.card { border: 1px solid var(--_line); border-radius: var(--_radius); padding: .75rem; display: flex; flex-direction: column; gap: .35rem; }
.card[data-available="false"] .total { color: var(--_danger); }
.card .meta, .card .from { color: var(--_muted); margin: 0; font-size: .9em; }
.card .total { margin: 0; font-weight: 600; }
form { margin-top: 1rem; border-top: 1px solid var(--_line); padding-top: 1rem; display: grid; gap: .75rem; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); align-items: end; }
form h3, form .result, form .summary { grid-column: 1 / -1; margin: 0; }
.result[data-status="CONFIRMED"] { color: var(--_ok); font-weight: 600; }
.result[data-status="REJECTED"], .result[data-status="ERROR"] { color: var(--_danger); font-weight: 600; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 420px) { .w { padding: .5rem; } .day .p { font-size: .6em; } }
`;

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const WEEKDAYS = ['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'];
const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const monthStart = (iso) => `${iso.slice(0, 8)}01`;
const weekday = (iso) => (new Date(`${iso}T00:00:00Z`).getUTCDay() + 6) % 7;  // Monday = 0

function guestId() {
  // A guest without an account: one random id per browser, kept for their bookings.
  try {
    let id = Number(localStorage.getItem('edgestay-guest-id'));
    if (!Number.isInteger(id) || id < 1) {
      id = 1 + Math.floor(Math.random() * 2 ** 31);
      localStorage.setItem('edgestay-guest-id', String(id));
    }
    return id;
  } catch {
    return 1 + Math.floor(Math.random() * 2 ** 31);
  }
}

export class EdgestayWidget extends HTMLElement {
  static observedAttributes = [];

  #root;
  #client = null;
  #ready = false;
  #roomTypes = [];
  #rules = null;
  #calendar = null;      // getCalendar answer for the visible months
  #stay = null;          // getAllRoomAvailability answer for the selected stay
  #view;                 // first day of the first visible month
  #focus;                // the day button that takes Tab (roving tabindex)
  #checkIn = null;
  #checkOut = null;
  #guests = 2;
  #roomTypeId = null;    // the room type the calendar shows
  #chosen = null;        // the room type the form books
  #myBookings = new Map();
  #refreshQueued = false;
  #readyResolve;

  /** Timings for the host page and tests: ms since navigation start, and input-to-render samples. */
  metrics = { firstCalendarMs: null, firstCalendarSource: null, engineReadyMs: null, inputToRenderMs: [] };
  ready = new Promise((r) => { this.#readyResolve = r; });

  get client() { return this.#client; }
  get locale() { return this.getAttribute('locale') || undefined; }
  get currency() { return this.getAttribute('currency') || this.#rules?.currency || 'EUR'; }
  get hotelId() { return Number(this.getAttribute('hotel')); }

  connectedCallback() {
    if (this.#root) return;
    this.#root = this.attachShadow({ mode: 'open' });
    const today = isoDay(Date.now());
    this.#view = monthStart(today);
    this.#focus = today;
    this.#root.innerHTML = `<style>${STYLE}</style>
      <section class="w" part="root" aria-labelledby="es-title">
        <h2 id="es-title">${esc(this.getAttribute('heading') || 'Book your stay')}</h2>
        <p class="status" role="status"></p>
        <div class="controls">
          <label>Guests
            <select class="guests">${[1, 2, 3, 4, 5, 6, 7, 8].map((n) => `<option value="${n}"${n === this.#guests ? ' selected' : ''}>${n}</option>`).join('')}</select>
          </label>
          <label>Prices for
            <select class="rt"></select>
          </label>
          <p class="stay-summary" aria-live="polite"></p>
        </div>
        <div class="cal" role="group" aria-labelledby="es-cal-title">
          <div class="cal-head">
            <button type="button" class="prev" aria-label="Previous month">‹</button>
            <h3 id="es-cal-title" aria-live="polite"></h3>
            <button type="button" class="next" aria-label="Next month">›</button>
          </div>
          <div class="months"></div>
          <p class="legend">Choose the check-in day, then the check-out day. Arrow keys move by day and week,
            Page Up/Down by month, Home/End to the week's start and end. A dot marks arrival, departure or
            length-of-stay rules.</p>
          <p class="hint sr" aria-live="polite"></p>
        </div>
        <ul class="cards" aria-label="Room types"></ul>
        <form class="book" hidden novalidate>
          <h3 class="form-title">Your details</h3>
          <p class="summary"></p>
          <label>Full name <input name="name" autocomplete="name" required></label>
          <label>Email <input name="email" type="email" autocomplete="email" required></label>
          <label>Guests <input name="guests" type="number" min="1" max="8" required></label>
          <button type="submit" class="primary">Confirm booking</button>
          <p class="result" role="status" aria-live="polite"></p>
        </form>
      </section>`;
    const $ = (s) => this.#root.querySelector(s);
    $('.guests').addEventListener('change', (e) => {
      this.#guests = Number(e.target.value);
      this.#changeStay(e.timeStamp);
    });
    $('.rt').addEventListener('change', (e) => {
      this.#roomTypeId = Number(e.target.value);
      this.#renderGrid();
    });
    $('.prev').addEventListener('click', () => this.#moveView(-1));
    $('.next').addEventListener('click', () => this.#moveView(1));
    const months = $('.months');
    months.addEventListener('click', (e) => {
      const b = e.target.closest('.day');
      if (b) this.#pick(b.dataset.date, e.timeStamp);
    });
    months.addEventListener('keydown', (e) => this.#onGridKey(e));
    $('.cards').addEventListener('click', (e) => {
      const b = e.target.closest('button.choose');
      if (b && b.getAttribute('aria-disabled') !== 'true') this.#openForm(Number(b.dataset.roomType));
    });
    for (const type of ['online', 'offline']) {
      addEventListener(type, () => { if (this.#lastStatus) this.#onSyncStatus(this.#lastStatus); });
    }
    $('form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.#submit();
    });
    this.#start();
  }

  disconnectedCallback() {
    this.#client?.terminate();
  }

  // ---- start: first calendar from JSON, engine in the worker --------------------------
  async #start() {
    const server = new URL(this.getAttribute('server') || location.origin, location.href).href.replace(/\/+$/, '');
    const days = this.#windowDays();
    this.#setStatus('Loading prices…');
    const first = this.#fetchCalendar(this.#view, days);
    // The worker starts at once, in parallel with the small JSON request.
    this.#client = new EngineClient(this.getAttribute('worker') || undefined);
    this.#client.on('changed', () => this.#queueRefresh());
    this.#client.on('booking', (e) => this.#onBookings(e.bookings));
    this.#client.on('status', (s) => this.#onSyncStatus(s));
    const engine = this.#client.call('init', {
      server,
      hotelId: this.hotelId,
      token: this.getAttribute('token'),
      store: this.getAttribute('store') || 'memory',
      ...(this.getAttribute('store-name') ? { storeName: this.getAttribute('store-name') } : {}),
    });
    const json = await first;
    if (json && !this.#ready && json.calendar) {
      this.#roomTypes = json.roomTypes;
      this.#rules = json.rules;
      this.#calendar = json.calendar;
      this.#renderRoomTypes();
      this.#renderGrid();
      this.#renderCards();
      this.#markFirstCalendar('json');
      this.#setStatus('Prices as of a moment ago; loading live availability…');
    }
    let info;
    try {
      info = await engine;
    } catch (e) {
      this.#setStatus(json ? 'Live availability is unavailable right now; prices shown may be out of date.' : `Could not load availability (${e.code ?? 'error'}).`);
      this.dispatchEvent(new CustomEvent('edgestay-error', { detail: { code: e.code, message: e.message }, bubbles: true, composed: true }));
      return;
    }
    this.#roomTypes = info.roomTypes;
    this.#rules = info.rules;
    this.#calendar = await this.#client.call('calendar', { from: this.#view, days });
    if (this.#checkIn && this.#checkOut) this.#stay = await this.#client.call('stay', { checkIn: this.#checkIn, checkOut: this.#checkOut });
    this.#ready = true;
    this.#renderRoomTypes();
    this.#renderGrid();
    this.#renderCards();
    this.#markFirstCalendar('engine');
    this.metrics.engineReadyMs = performance.now();
    this.metrics.engineTimings = info.timings;
    this.#onSyncStatus(info);
    this.#readyResolve(info);
    this.dispatchEvent(new CustomEvent('edgestay-ready', { detail: info, bubbles: true, composed: true }));
  }

  // The `calendar` URL's answer ({ calendar, roomTypes, rules }) before the engine is
  // ready; null without the attribute or on any failure (the engine's answer follows).
  #fetchCalendar(from, days) {
    const url = this.getAttribute('calendar');
    if (!url) return Promise.resolve(null);
    return fetch(`${new URL(url, location.href).href}?from=${from}&days=${days}`)
      .then((r) => (r.ok ? r.json() : null)).catch(() => null);
  }

  #markFirstCalendar(source) {
    if (this.metrics.firstCalendarMs !== null) return;
    this.metrics.firstCalendarMs = performance.now();
    this.metrics.firstCalendarSource = source;
    this.setAttribute('data-first-calendar', source);
  }

  #windowDays() {
    return daysBetween(this.#view, addMonths(this.#view, 2));
  }

  #setStatus(text) {
    this.#root.querySelector('.status').textContent = text;
  }

  #lastStatus = null;

  #onSyncStatus(s) {
    if (!this.#ready && !('roomTypes' in s)) return;
    this.#lastStatus = s;
    const parts = [];
    if (s.readOnly) parts.push('Read-only: another window is selling from this device.');
    // A long-poll may still be pending when the device goes offline: trust the browser too.
    parts.push(s.online && navigator.onLine ? 'Live availability.' : 'Offline: showing availability saved on this device.');
    this.#setStatus(parts.join(' '));
    this.dispatchEvent(new CustomEvent('edgestay-status', { detail: s, bubbles: true, composed: true }));
  }

  // ---- refresh after a change from the centre or a local booking ------------------------
  #queueRefresh() {
    if (!this.#ready || this.#refreshQueued) return;
    this.#refreshQueued = true;
    queueMicrotask(async () => {
      this.#refreshQueued = false;
      const [cal, stay] = await Promise.all([
        this.#client.call('calendar', { from: this.#view, days: this.#windowDays() }),
        this.#checkIn && this.#checkOut ? this.#client.call('stay', { checkIn: this.#checkIn, checkOut: this.#checkOut }) : null,
      ]);
      this.#calendar = cal;
      this.#stay = stay;
      this.#renderGrid();
      this.#renderCards();
    });
  }

  async #moveView(months, focusDate) {
    this.#view = addMonths(this.#view, months);
    this.#focus = focusDate ?? this.#view;
    const days = this.#windowDays();
    if (this.#ready) this.#calendar = await this.#client.call('calendar', { from: this.#view, days });
    else this.#calendar = (await this.#fetchCalendar(this.#view, days))?.calendar ?? null;
    this.#renderGrid();
    this.#renderCards();
  }

  // ---- the grid ---------------------------------------------------------------------------
  #renderRoomTypes() {
    const select = this.#root.querySelector('.rt');
    if (this.#roomTypeId === null && this.#roomTypes.length) this.#roomTypeId = this.#roomTypes[0].id;
    select.innerHTML = this.#roomTypes.map((rt) => `<option value="${rt.id}"${rt.id === this.#roomTypeId ? ' selected' : ''}>${esc(rt.name)}</option>`).join('');
  }

  #renderGrid() {
    const root = this.#root;
    const hadFocus = root.activeElement?.classList?.contains('day');
    const cal = this.#calendar;
    const rt = cal?.roomTypes.find((r) => r.id === this.#roomTypeId) ?? cal?.roomTypes[0];
    const today = isoDay(Date.now());
    const cur = this.currency;
    const months = [this.#view, addMonths(this.#view, 1)];
    root.querySelector('#es-cal-title').textContent = `${monthTitle(months[0], this.locale)} – ${monthTitle(months[1], this.locale)}`;
    // The focused day must be visible.
    const end = addMonths(this.#view, 2);
    if (this.#focus < this.#view || this.#focus >= end) this.#focus = this.#view;
    let html = '';
    months.forEach((m, mi) => {
      const next = addMonths(m, 1);
      const title = monthTitle(m, this.locale);
      html += `<div class="month"><h3 id="es-m${mi}">${esc(title)}</h3><table role="grid" aria-labelledby="es-m${mi}"><thead><tr>`;
      html += WEEKDAYS.map((d, i) => `<th scope="col" abbr="${WEEKDAY_NAMES[i]}">${d}</th>`).join('');
      html += '</tr></thead><tbody><tr>';
      let col = weekday(m);
      for (let i = 0; i < col; i++) html += '<td></td>';
      for (let d = m; d < next; d = addDays(d, 1)) {
        if (col === 7) { html += '</tr><tr>'; col = 0; }
        html += `<td>${this.#dayButton(d, rt, cal, today, cur)}</td>`;
        col++;
      }
      for (; col < 7; col++) html += '<td></td>';
      html += '</tr></tbody></table></div>';
    });
    root.querySelector('.months').innerHTML = html;
    if (hadFocus) this.#focusDay(this.#focus);
  }

  #dayButton(d, rt, cal, today, cur) {
    const i = cal ? daysBetween(cal.from, d) : -1;
    const inCal = rt && i >= 0 && i < cal.days;
    const night = inCal ? nightState(rt, i) : null;
    const past = d < today;
    const selected = d === this.#checkIn || d === this.#checkOut;
    const inRange = this.#checkIn && this.#checkOut && d > this.#checkIn && d < this.#checkOut;
    const words = night ? nightWords(night) : ['prices loading'];
    const price = night && night.priceCents != null ? money(night.priceCents, cur, this.locale) : '';
    const label = [longDate(d, this.locale), price, ...words].filter(Boolean).join(', ');
    const attrs = [
      `class="day${inRange ? ' in-range' : ''}${night?.notes.length ? ' flag' : ''}"`,
      `data-date="${d}"`,
      `tabindex="${d === this.#focus ? 0 : -1}"`,
      `aria-pressed="${selected}"`,
    ];
    if (night) {
      attrs.push(`data-state="${night.state}"`, `data-price="${night.priceCents ?? ''}"`,
        `data-available="${night.available ?? ''}"`, `data-notes="${night.notes.join(' ')}"`);
    }
    if (past) attrs.push('data-past aria-disabled="true"');
    const short = night ? (night.state === 'open' ? price.replace(/[.,]00(?=\D*$)/, '') : night.state === 'sold-out' ? 'sold' : night.state === 'stop-sell' ? 'closed' : '–') : '';
    return `<button type="button" ${attrs.join(' ')}><span class="sr">${esc(label)}<span class="sel">${this.#selectionWords(d)}</span></span><span class="n" aria-hidden="true">${Number(d.slice(8))}</span><span class="p" aria-hidden="true">${esc(short)}</span></button>`;
  }

  #selectionWords(d) {
    return d === this.#checkIn ? ', check-in' : d === this.#checkOut ? ', check-out' : '';
  }

  // A new stay changes only which days are marked: touch those, not the whole grid
  // (this is on the input-to-render path of every date change).
  #renderSelection() {
    for (const b of this.#root.querySelectorAll('.months .day')) {
      const d = b.dataset.date;
      const selected = String(d === this.#checkIn || d === this.#checkOut);
      const inRange = !!(this.#checkIn && this.#checkOut && d > this.#checkIn && d < this.#checkOut);
      if (b.getAttribute('aria-pressed') !== selected) b.setAttribute('aria-pressed', selected);
      if (b.classList.contains('in-range') !== inRange) b.classList.toggle('in-range', inRange);
      const sel = b.querySelector('.sel');
      const words = this.#selectionWords(d);
      if (sel.textContent !== words) sel.textContent = words;
    }
  }

  #focusDay(d) {
    this.#focus = d;
    const months = this.#root.querySelector('.months');
    for (const b of months.querySelectorAll('.day[tabindex="0"]')) b.tabIndex = -1;
    const b = months.querySelector(`.day[data-date="${d}"]`);
    if (b) {
      b.tabIndex = 0;
      b.focus();
    }
  }

  #onGridKey(e) {
    if (!e.target.closest('.day')) return;
    // From the logical focus, not the event's button: keys pressed while a month change is
    // still rendering add up instead of starting from a stale button.
    const d = this.#focus;
    let next = null;
    switch (e.key) {
      case 'ArrowLeft': next = addDays(d, -1); break;
      case 'ArrowRight': next = addDays(d, 1); break;
      case 'ArrowUp': next = addDays(d, -7); break;
      case 'ArrowDown': next = addDays(d, 7); break;
      case 'Home': next = addDays(d, -weekday(d)); break;
      case 'End': next = addDays(d, 6 - weekday(d)); break;
      case 'PageUp': next = addMonths(d, e.shiftKey ? -12 : -1); break;
      case 'PageDown': next = addMonths(d, e.shiftKey ? 12 : 1); break;
      case 'Enter': case ' ':
        e.preventDefault();
        this.#pick(d, e.timeStamp);
        return;
      default: return;
    }
    e.preventDefault();
    this.#focus = next;
    const end = addMonths(this.#view, 2);
    const shift = next < this.#view ? -1 - Math.floor(daysBetween(next, this.#view) / 31)
      : next >= end ? 1 + Math.floor(daysBetween(end, next) / 31) : 0;
    if (shift) this.#moveView(shift, next).then(() => this.#focusDay(this.#focus));
    else this.#focusDay(next);
  }

  // A day was chosen: the first choice is the check-in, the next later day the check-out.
  #pick(d, t0) {
    const b = this.#root.querySelector(`.day[data-date="${d}"]`);
    if (b?.getAttribute('aria-disabled') === 'true') {
      this.#say(`${longDate(d, this.locale)} is in the past.`);
      return;
    }
    this.#focus = d;
    if (!this.#checkIn || this.#checkOut || d <= this.#checkIn) {
      this.#checkIn = d;
      this.#checkOut = null;
      this.#say(`Check-in ${longDate(d, this.locale)}. Now choose the check-out day.`);
    } else {
      this.#checkOut = d;
      const n = daysBetween(this.#checkIn, d);
      this.#say(`Check-in ${longDate(this.#checkIn, this.locale)}, check-out ${longDate(d, this.locale)}: ${n} night${n === 1 ? '' : 's'}.`);
    }
    this.#changeStay(t0);
  }

  #say(text) {
    this.#root.querySelector('.hint').textContent = text;
  }

  /** Sets the stay from code (a host page's own date inputs). */
  setStay(checkIn, checkOut) {
    this.#checkIn = checkIn;
    this.#checkOut = checkOut;
    return this.#changeStay(performance.now());
  }

  async #changeStay(t0) {
    if (this.#checkIn && this.#checkOut && this.#ready) {
      this.#stay = await this.#client.call('stay', { checkIn: this.#checkIn, checkOut: this.#checkOut });
    } else {
      this.#stay = null;
    }
    this.#renderSelection();
    this.#renderCards();
    if (this.#ready) {
      const ms = performance.now() - t0;
      this.metrics.inputToRenderMs.push(ms);
      if (this.metrics.inputToRenderMs.length > 1000) this.metrics.inputToRenderMs.shift();
    }
  }

  // ---- room type cards ------------------------------------------------------------------
  #renderCards() {
    const cal = this.#calendar;
    const cur = this.currency;
    const summary = this.#root.querySelector('.stay-summary');
    const n = this.#checkIn && this.#checkOut ? daysBetween(this.#checkIn, this.#checkOut) : 0;
    summary.textContent = n
      ? `${shortDate(this.#checkIn, this.locale)} → ${shortDate(this.#checkOut, this.locale)}, ${n} night${n === 1 ? '' : 's'}, ${this.#guests} guest${this.#guests === 1 ? '' : 's'}`
      : this.#checkIn ? `Check-in ${shortDate(this.#checkIn, this.locale)}: choose the check-out day` : 'Choose your dates in the calendar';
    const html = this.#roomTypes.map((rt) => {
      const col = cal?.roomTypes.find((r) => r.id === rt.id);
      const prices = col ? col.priceCents.filter((p, i) => p != null && col.available[i] > 0 && !col.stopSell[i]) : [];
      const from = prices.length ? Math.min(...prices) : null;
      const capacity = rt.capacityAdults + rt.capacityChildren;
      const answer = this.#stay?.results.find((a) => a.roomTypeId === rt.id);
      let state = 'unknown';
      let text = n ? (this.#ready ? '' : 'Checking live availability…') : 'Choose dates to see the total.';
      if (answer) {
        const tooSmall = this.#guests > capacity;
        const ok = answer.available && !tooSmall;
        state = ok ? 'true' : 'false';
        const ci = col ? daysBetween(cal.from, answer.checkIn) : -1;
        text = ok
          ? `${money(answer.totalCents, cur, this.locale)} for ${answer.nights} night${answer.nights === 1 ? '' : 's'}`
          : reasonWords(answer, {
            locale: this.locale, guests: this.#guests, capacity: tooSmall ? capacity : null,
            minStay: col && ci >= 0 ? col.minStay[ci] : null, maxStay: col && ci >= 0 ? col.maxStay[ci] : null,
          });
      }
      const canBook = state === 'true';
      return `<li class="card" data-room-type="${rt.id}" data-available="${state}">
        <h3>${esc(rt.name)}</h3>
        <p class="meta">Sleeps ${capacity} (${rt.capacityAdults} adult${rt.capacityAdults === 1 ? '' : 's'}${rt.capacityChildren ? `, ${rt.capacityChildren} child${rt.capacityChildren === 1 ? '' : 'ren'}` : ''})</p>
        <p class="from">${from != null ? `from ${esc(money(from, cur, this.locale))} a night` : 'no nights on sale in these months'}</p>
        <p class="total">${esc(text)}</p>
        <button type="button" class="choose primary" data-room-type="${rt.id}" aria-disabled="${!canBook}"
          aria-label="Book ${esc(rt.name)}">Book</button>
      </li>`;
    }).join('');
    this.#root.querySelector('.cards').innerHTML = html;
  }

  // ---- booking --------------------------------------------------------------------------
  #openForm(roomTypeId) {
    this.#chosen = roomTypeId;
    const rt = this.#roomTypes.find((r) => r.id === roomTypeId);
    const answer = this.#stay?.results.find((a) => a.roomTypeId === roomTypeId);
    const form = this.#root.querySelector('form');
    form.hidden = false;
    form.querySelector('.form-title').textContent = `Book ${rt.name}`;
    form.querySelector('.summary').textContent = `${longDate(this.#checkIn, this.locale)} to ${longDate(this.#checkOut, this.locale)}, ` +
      `${money(answer?.totalCents, this.currency, this.locale)}`;
    form.elements.guests.value = String(this.#guests);
    const result = form.querySelector('.result');
    result.textContent = '';
    for (const a of ['data-status', 'data-booking-id', 'data-server-id']) result.removeAttribute(a);
    form.elements.name.focus();
  }

  async #submit() {
    const form = this.#root.querySelector('form');
    const result = form.querySelector('.result');
    for (const input of [form.elements.name, form.elements.email, form.elements.guests]) {
      input.setAttribute('aria-invalid', String(!input.checkValidity()));
    }
    const invalid = [form.elements.name, form.elements.email, form.elements.guests].find((i) => !i.checkValidity());
    if (invalid) {
      result.dataset.status = 'ERROR';
      result.textContent = invalid.name === 'email' ? 'Please enter a valid email address.' : `Please fill in ${invalid.name}.`;
      invalid.focus();
      return;
    }
    const guests = Number(form.elements.guests.value);
    const userId = Number(this.getAttribute('user')) || guestId();
    const submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    try {
      const booking = await this.#client.call('book', {
        roomTypeId: this.#chosen, userId, checkIn: this.#checkIn, checkOut: this.#checkOut, rooms: 1, guests,
        idempotencyKey: `w-${userId}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
      });
      const detail = { booking, name: form.elements.name.value, email: form.elements.email.value };
      this.#myBookings.set(booking.id, detail);
      this.#showBooking(booking);
      this.dispatchEvent(new CustomEvent('edgestay-booking', { detail, bubbles: true, composed: true }));
    } catch (e) {
      result.dataset.status = 'ERROR';
      result.textContent = e.code === 'NOT_AVAILABLE'
        ? rejectionWords(e.details?.reason, e.message)
        : e.code === 'GUESTS_OVER_CAPACITY' ? 'Too many guests for this room.' : e.message;
    } finally {
      submit.disabled = false;
    }
  }

  #showBooking(b) {
    const result = this.#root.querySelector('form .result');
    result.dataset.status = b.status;
    result.dataset.bookingId = String(b.id);
    if (b.serverId) result.dataset.serverId = String(b.serverId);
    if (b.status === 'PENDING_SYNC') result.textContent = 'Booked on this device; waiting for the hotel to confirm (PENDING_SYNC)…';
    else if (b.status === 'CONFIRMED') result.textContent = `Confirmed by the hotel: booking ${b.serverId ?? b.id}, ${money(b.totalCents, this.currency, this.locale)}.`;
    else if (b.status === 'REJECTED') result.textContent = `Not confirmed: ${rejectionWords(b.rejectReason, b.rejectMessage)}`;
    else result.textContent = `Booking ${b.status.toLowerCase()}.`;
  }

  #onBookings(bookings) {
    for (const b of bookings) {
      const mine = this.#myBookings.get(b.id);
      if (!mine) continue;
      mine.booking = b;
      const result = this.#root.querySelector('form .result');
      if (result.dataset.bookingId === String(b.id)) this.#showBooking(b);
      this.dispatchEvent(new CustomEvent('edgestay-booking', { detail: mine, bubbles: true, composed: true }));
    }
  }
}

if (!customElements.get('edgestay-widget')) customElements.define('edgestay-widget', EdgestayWidget);
