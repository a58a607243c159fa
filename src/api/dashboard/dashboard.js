// The dashboard's script: plain DOM, no build step, no dependencies. It polls
// the /v1 API about once a second (slower when the API is slow) and renders
// batches, operations, failures, the account and one operation's path. The
// helpers (h, api ...) are in dom.js.
/* global document, DF */
'use strict';

(() => {
  const { STATUSES, $, h, fill, api, ago, time, badge, notify, fillSelect, bar } = DF;
  const FINAL = new Set(['succeeded', 'failed', 'cancelled']);
  const PAGE = 50;
  const state = { filter: { status: '', reason: '', batch: '' }, offset: 0, selected: '', machines: new Map(), failures: [], batches: [], tick: 0, mermaidType: '' };

  async function act(label, fn) {
    try {
      const message = await fn();
      notify(message || `${label}: done`);
      await refresh(false);
    } catch (err) {
      notify(`${label}: ${err.message}`, true);
    }
  }

  // -- account ---------------------------------------------------------------

  function renderAccount(account) {
    const breaker = account.breaker;
    const lockSeconds = Math.ceil(account.lockPauseMs / 1000);
    fill(
      $('account-summary'),
      h('span', { class: 'badge code', text: `account ${account.account}` }),
      breaker ? h('span', { class: 'badge bad', text: 'paused' }) : h('span', { class: 'badge ok', text: 'dispatching' }),
      lockSeconds > 0 ? h('span', { class: 'badge warn', text: `422 lock: ${lockSeconds}s` }) : null,
    );
    const resume = async () => {
      await api('/v1/accounts/current/resume', { method: 'POST' });
      return 'Account resumed: dispatching again';
    };
    const pause = async () => {
      await api('/v1/accounts/current/pause', { method: 'POST' });
      return 'Account paused: operations stay queued';
    };
    const toggle = breaker
      ? h('button', { class: 'button', id: 'resume', text: 'Resume', onclick: () => act('Resume', resume) })
      : h('button', { class: 'button subtle', id: 'pause', text: 'Pause', onclick: () => act('Pause', pause) });
    fill(
      $('account'),
      h(
        'div',
        { class: 'account-row' },
        h('span', { class: `badge ${breaker ? 'bad' : 'ok'}`, text: breaker ? 'breaker open' : 'breaker closed' }),
        h('span', { class: 'grow' }, breaker ? `${breaker.reason}${breaker.code ? ` (${breaker.code})` : ''}, since ${time(breaker.at)}` : 'operations are dispatched'),
        toggle,
      ),
      h(
        'div',
        { class: 'account-row' },
        h('span', { class: `badge ${lockSeconds > 0 ? 'warn' : 'ok'}`, text: lockSeconds > 0 ? '422 abuse lock' : 'no abuse lock' }),
        h('span', { class: 'grow' }, lockSeconds > 0 ? `cooling down: no command for ${lockSeconds}s` : 'the registrar has not locked the account'),
      ),
    );
  }

  // -- batches ---------------------------------------------------------------

  function renderBatches(batches) {
    state.batches = batches;
    if (batches.length === 0) return fill($('batches'), h('p', { class: 'empty', text: 'No batches yet. POST a CSV, NDJSON or JSON array to /v1/batches, or run domainflow bulk FILE.' }));
    const rows = batches.map((b) => {
      const ended = b.counts.succeeded + b.counts.failed + b.counts.cancelled;
      const counts = h('div', { class: 'counts' }, ...STATUSES.filter((s) => b.counts[s] > 0).map((s) => h('span', {}, h('i', { class: `swatch ${s}` }), `${s} `, h('b', { text: b.counts[s] }))));
      return h(
        'tr',
        { class: `clickable${state.filter.batch === b.batch ? ' selected' : ''}`, 'data-batch': b.batch, onclick: () => setFilter({ batch: b.batch }) },
        h('td', {}, h('div', { class: 'mono', text: b.batch }), h('div', { class: 'muted small', text: `${b.source || ''} · ${ago(b.createdAt)}` })),
        h('td', { class: 'wide' }, bar(b.counts, b.total), counts),
        h('td', { class: 'num' }, h('b', { text: `${ended}/${b.total}` }), h('div', { class: 'muted small', text: `${b.total ? Math.floor((100 * ended) / b.total) : 100}%` })),
        h('td', {}, b.done ? h('span', { class: `badge ${b.counts.failed ? 'warn' : 'ok'}`, text: 'done' }) : h('span', { class: 'badge running', text: 'in progress' })),
      );
    });
    fill($('batches'), h('table', {}, h('thead', {}, h('tr', {}, h('th', { text: 'Batch' }), h('th', { text: 'Progress' }), h('th', { class: 'num', text: 'Ended' }), h('th', { text: '' }))), h('tbody', {}, rows)));
    fillSelect($('filter-batch'), batches.map((b) => [b.batch, `${b.batch}${b.source ? ` (${b.source})` : ''}`]), state.filter.batch);
  }

  // -- operations ------------------------------------------------------------

  function setFilter(change) {
    Object.assign(state.filter, change);
    state.offset = 0;
    $('filter-status').value = state.filter.status;
    $('filter-type').value = state.filter.reason;
    $('filter-batch').value = state.filter.batch;
    void refresh(false);
  }

  function renderOperations(ops) {
    const from = ops.length ? state.offset + 1 : 0;
    $('page-label').textContent = ops.length ? `${from}–${state.offset + ops.length}` : '';
    $('page-prev').disabled = state.offset === 0;
    $('page-next').disabled = ops.length < PAGE;
    const active = Object.entries(state.filter).filter(([, v]) => v).map(([k, v]) => `${k} ${v}`);
    $('operations-count').textContent = active.length ? `filtered by ${active.join(', ')}` : 'all operations, oldest first';
    if (ops.length === 0) return fill($('operations'), h('p', { class: 'empty', text: 'No operations match.' }));
    const rows = ops.map((op) =>
      h(
        'tr',
        { class: `clickable${state.selected === op.id ? ' selected' : ''}`, 'data-op': op.id, 'data-status': op.status, onclick: () => select(op.id) },
        h('td', { class: 'truncate', title: op.domain, text: op.domain }),
        h('td', { text: op.type }),
        h('td', {}, badge(op.status)),
        h('td', { class: 'mono muted', text: op.state || '' }),
        h('td', {}, op.failure ? h('span', {}, h('span', { class: 'badge code', text: op.failure.code }), ' ', op.failure.type) : op.result && op.result.expirationDate ? h('span', { class: 'muted small', text: `expires ${op.result.expirationDate}` }) : ''),
        h('td', { class: 'muted small', text: ago(op.updatedAt) }),
      ),
    );
    fill(
      $('operations'),
      h('table', {}, h('thead', {}, h('tr', {}, ...['Domain', 'Type', 'Status', 'State', 'Outcome', 'Updated'].map((t) => h('th', { text: t })))), h('tbody', {}, rows)),
    );
  }

  // -- failures --------------------------------------------------------------

  function renderFailures(failures) {
    state.failures = failures;
    const seen = failures.filter((f) => f.failed > 0);
    fillSelect($('filter-type'), seen.map((f) => [f.type, `${f.type} (${f.failed})`]), state.filter.reason);
    if (seen.length === 0) return fill($('failures'), h('p', { class: 'empty', text: 'No failed operations.' }));
    fill(
      $('failures'),
      ...seen.map((f) =>
        h(
          'div',
          { class: 'failure', 'data-type': f.type },
          h('div', { class: 'failure-head' }, f.code !== undefined ? h('span', { class: 'badge code', text: f.code }) : null, h('b', { text: f.type }), h('span', { class: 'count', text: f.failed })),
          h('p', { text: f.text }),
          h(
            'div',
            { class: 'row' },
            h('button', { class: 'button subtle small', text: 'Show', onclick: () => setFilter({ status: 'failed', reason: f.type }) }),
            h('button', {
              class: 'button small',
              text: `Redrive ${f.failed}`,
              onclick: () => act(`Redrive ${f.type}`, async () => `Redriven ${(await api('/v1/retry', { method: 'POST', body: { reason: f.type } })).redriven} operation(s) of ${f.type}`),
            }),
          ),
        ),
      ),
    );
  }

  // -- one operation ---------------------------------------------------------

  /** The states the operation went through: its commands' steps (with waits and unknown outcomes between), then where it is. */
  function pathOf(op, machine) {
    const states = new Set(machine ? machine.states : []);
    const path = [{ name: machine ? machine.initial : 'start' }];
    const push = (name, code) => {
      const last = path[path.length - 1];
      if (last.name === name) {
        if (code !== undefined) last.code = code;
      } else path.push({ name, code });
    };
    for (const entry of op.history || []) {
      push(entry.step, entry.code);
      if (entry.uncertain && states.has(`${entry.step}Unknown`)) push(`${entry.step}Unknown`);
      else if (entry.code >= 400 && entry.code < 500 && states.has(`${entry.step}Wait`)) push(`${entry.step}Wait`);
    }
    const end = op.status === 'succeeded' ? 'succeeded' : op.status === 'failed' || op.status === 'cancelled' ? 'failed' : op.state;
    if (end) push(end);
    return path;
  }

  function historyTable(history) {
    const head = ['Time', 'Command', 'Code', 'Description', 'ms', 'Try'].map((t) => h('th', { class: t === 'ms' || t === 'Try' ? 'num' : '', text: t }));
    const rows = history.map((e) =>
      h(
        'tr',
        {},
        h('td', { class: 'muted nowrap', text: time(e.at) }),
        h('td', { title: `step ${e.step}` }, e.command),
        h('td', {}, h('span', { class: `badge ${e.code < 300 ? 'ok' : e.code < 500 ? 'warn' : 'bad'}`, text: e.code })),
        h('td', { class: 'desc truncate', title: e.uncertain ? `${e.description} (${e.uncertain})` : e.description, text: e.description }),
        h('td', { class: 'num', text: e.ms }),
        h('td', { class: 'num', text: e.attempt }),
      ),
    );
    return h('div', { class: 'scroll-x' }, h('table', { class: 'history' }, h('thead', {}, h('tr', {}, head)), h('tbody', {}, rows)));
  }

  function renderDetail(op) {
    const machine = state.machines.get(op.type);
    const path = pathOf(op, machine);
    const visited = new Set(path.map((p) => p.name));
    const facts = [
      ['id', h('span', { class: 'mono', text: op.id })],
      ['type', op.type],
      ['status', badge(op.status)],
      op.period ? ['period', `${op.period} year(s)`] : null,
      op.batch ? ['batch', h('button', { class: 'link mono', text: op.batch, onclick: () => setFilter({ batch: op.batch }) })] : null,
      op.key ? ['key', h('span', { class: 'mono', text: op.key })] : null,
      op.nextRunAt ? ['next run', time(op.nextRunAt)] : null,
      op.result ? ['result', Object.entries(op.result).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' ') : v}`).join(', ')] : null,
      op.failure ? ['failure', h('span', {}, h('span', { class: 'badge code', text: op.failure.code }), ' ', h('b', { text: op.failure.type }), ` at ${op.failure.step}: ${op.failure.description}`)] : null,
      ['created', `${new Date(op.createdAt).toLocaleString()}`],
      ['updated', ago(op.updatedAt)],
    ].filter(Boolean);
    const chips = [];
    path.forEach((p, i) => {
      if (i > 0) chips.push(h('span', { class: 'arrow', text: '→' }));
      const last = i === path.length - 1;
      const cls = p.name === 'succeeded' ? 'succeeded' : p.name === 'failed' ? 'failed' : last ? 'current' : '';
      chips.push(h('span', { class: `state ${cls}`, title: machine && machine.commands[p.name] ? machine.commands[p.name] : p.name }, p.name, p.code !== undefined ? h('span', { class: 'code', text: p.code }) : null));
    });
    const history = op.history || [];
    fill(
      $('detail'),
      h('div', { class: 'card-head' }, h('h2', { class: 'mono', text: op.domain }), badge(op.status)),
      h('dl', { class: 'facts' }, ...facts.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)])),
      h('div', { class: 'section-title', text: 'Path through the machine' }),
      h('div', { class: 'path', id: 'op-path' }, chips),
      machine ? h('div', { class: 'states' }, machine.states.map((s) => h('span', { class: visited.has(s) ? 'visited' : '', text: s }))) : null,
      h('div', { class: 'section-title', text: `Commands (${history.length})` }),
      history.length === 0 ? h('p', { class: 'empty', text: 'No registrar command yet.' }) : historyTable(history),
    );
    const retry = async () => {
      await api(`/v1/operations/${encodeURIComponent(op.id)}/retry`, { method: 'POST' });
      return `Redriven ${op.domain}`;
    };
    const cancel = async () => {
      const after = await api(`/v1/operations/${encodeURIComponent(op.id)}/cancel`, { method: 'POST' });
      return after.status === 'cancelled'
        ? `Cancelled ${op.domain}`
        : `${op.domain} is ${after.status}: the cancel is under way (where the registrar may have acted, it ends as the registrar says)`;
    };
    fill(
      $('detail-actions'),
      op.status === 'failed' || op.status === 'cancelled' ? h('button', { class: 'button small', text: 'Retry', onclick: () => act('Retry', retry) }) : null,
      !FINAL.has(op.status) ? h('button', { class: 'button danger small', text: 'Cancel', onclick: () => act('Cancel', cancel) }) : null,
    );
    if (machine && state.mermaidType !== op.type) {
      state.mermaidType = op.type;
      $('mermaid-text').textContent = machine.mermaid;
      $('mermaid-box').hidden = false;
    }
  }

  function select(id) {
    state.selected = id;
    for (const row of document.querySelectorAll('tr[data-op]')) row.classList.toggle('selected', row.dataset.op === id);
    void refresh(false);
  }

  // -- polling ---------------------------------------------------------------

  function query() {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(state.filter)) if (v) q.set(k, v);
    q.set('offset', String(state.offset));
    q.set('limit', String(PAGE));
    return q.toString();
  }

  let timer;
  let running = false;
  let again = false;
  async function refresh(schedule = true) {
    if (running) {
      // A click while a poll is under way: show its effect right after.
      again = true;
      return;
    }
    running = true;
    const started = performance.now();
    try {
      if (state.machines.size === 0) for (const m of await api('/v1/machines')) state.machines.set(m.type, m);
      const tasks = [api('/v1/accounts/current').then(renderAccount), api('/v1/batches?limit=8').then(renderBatches), api(`/v1/operations?${query()}`).then(renderOperations)];
      if (state.tick % 3 === 0 || !schedule) tasks.push(api('/v1/failures').then(renderFailures));
      if (state.selected) tasks.push(api(`/v1/operations/${encodeURIComponent(state.selected)}`).then(renderDetail));
      await Promise.all(tasks);
      $('live-dot').className = 'dot ok';
      $('live-text').textContent = `live · updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      $('live-dot').className = 'dot bad';
      $('live-text').textContent = `not updating: ${err.message}`;
    } finally {
      running = false;
      state.tick++;
    }
    if (again) {
      again = false;
      void refresh(false);
    }
    if (schedule) {
      // About once a second; slower when the API takes long to answer (big batches).
      clearTimeout(timer);
      timer = setTimeout(() => void refresh(true), Math.max(1000, 2 * (performance.now() - started)));
    }
  }

  $('filter-status').addEventListener('change', (e) => setFilter({ status: e.target.value }));
  $('filter-type').addEventListener('change', (e) => setFilter({ reason: e.target.value }));
  $('filter-batch').addEventListener('change', (e) => setFilter({ batch: e.target.value }));
  $('filter-clear').addEventListener('click', () => setFilter({ status: '', reason: '', batch: '' }));
  $('page-prev').addEventListener('click', () => {
    state.offset = Math.max(0, state.offset - PAGE);
    void refresh(false);
  });
  $('page-next').addEventListener('click', () => {
    state.offset += PAGE;
    void refresh(false);
  });
  void refresh(true);
})();
