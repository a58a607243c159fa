// The dashboard's DOM and API helpers (inlined before dashboard.js, in the
// same page script). Text from the API is only ever set as textContent.
/* global document, location, Node */
'use strict';

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- used by dashboard.js, in the same page script
const DF = (() => {
  const token = new URLSearchParams(location.search).get('token') || '';
  const STATUSES = ['succeeded', 'failed', 'cancelled', 'running', 'waiting', 'queued'];
  const $ = (id) => document.getElementById(id);

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = String(v);
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return el;
  }

  /** replaceChildren without the nulls of conditional children (it would show them as "null"). */
  function fill(el, ...children) {
    el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
    return el;
  }

  async function api(path, options = {}) {
    const headers = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, { method: options.method || 'GET', headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const data = (res.headers.get('content-type') || '').includes('json') ? await res.json() : await res.text();
    if (!res.ok) throw new Error(data && data.error ? data.error : `${res.status} ${res.statusText}`);
    return data;
  }

  function ago(iso) {
    if (!iso) return '';
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 60) return `${s}s ago`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s ago`;
    if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m ago`;
    return new Date(iso).toLocaleString();
  }

  const time = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }) : '');
  const badge = (status) => h('span', { class: `badge ${status}`, text: status });

  function notify(message, isError) {
    const el = $('notice');
    el.textContent = message;
    el.className = isError ? 'notice error' : 'notice';
    el.hidden = false;
    clearTimeout(notify.timer);
    notify.timer = setTimeout(() => (el.hidden = true), 6000);
  }

  function fillSelect(select, options, current) {
    const wanted = [['', 'any'], ...options];
    if (current && !options.some(([v]) => v === current)) wanted.push([current, current]);
    const now = [...select.options].map((o) => `${o.value}=${o.text}`).join('|');
    if (now !== wanted.map(([v, t]) => `${v}=${t}`).join('|')) fill(select, ...wanted.map(([v, t]) => h('option', { value: v, text: t })));
    select.value = current;
  }

  function bar(counts, total) {
    return h('div', { class: 'bar', title: STATUSES.map((s) => `${s} ${counts[s]}`).join(', ') }, ...STATUSES.map((s) => {
      const seg = h('span', { class: s });
      seg.style.width = `${total ? (100 * counts[s]) / total : 0}%`;
      return seg;
    }));
  }

  return { token, STATUSES, $, h, fill, api, ago, time, badge, notify, fillSelect, bar };
})();
