/* Supervisor board: numbers and Chart.js charts from snapshots pushed over the desk websocket
 * (type "board"), a 15-s fetch of the same snapshot as a fallback, htmx for the lists.
 * Every value is written with textContent; queue names come from the server as data. */
(function () {
  "use strict";
  var body = document.body;
  var labels = JSON.parse(document.getElementById("board-labels").textContent);
  var banner = document.getElementById("conn-banner");
  var POLL_MS = 15000, LISTS_MIN_MS = 3000;
  var socket = null, pingTimer = null, pongTimer = null, retry = 0;
  var lastSnapshotAt = 0, listsAt = 0, listsTimer = null;
  var queueChart = null, agentChart = null;

  function percent(v) { return v === null || v === undefined ? "–" : Math.round(v * 1000) / 10 + "%"; }

  function setAll(selector, text) {
    document.querySelectorAll(selector).forEach(function (n) { n.textContent = text; });
  }

  function setField(row, field, text) {
    var cell = row.querySelector('[data-field="' + field + '"]');
    if (cell) { cell.textContent = text; }
    return cell;
  }

  function renderQueues(queues) {
    var rows = document.querySelectorAll("tr[data-queue]");
    if (rows.length !== queues.length) { location.reload(); return; }  // queues added or removed
    queues.forEach(function (q) {
      var row = document.querySelector('tr[data-queue="' + q.id + '"]');
      if (!row) { location.reload(); return; }
      setField(row, "contacts_in_queue", q.contacts_in_queue);
      setField(row, "oldest_contact_age", q.oldest_contact_age);
      setField(row, "active_chats", q.active_chats);
      setField(row, "sla_at_risk", q.sla_at_risk);
      row.classList.toggle("at-risk", q.sla_at_risk > 0);
      var c = q.connect;
      setField(row, "connect_contacts", c && c.values.CONTACTS_IN_QUEUE != null ? c.values.CONTACTS_IN_QUEUE : "–");
      setField(row, "connect_oldest", c && c.values.OLDEST_CONTACT_AGE != null ? c.values.OLDEST_CONTACT_AGE : "–");
      var age = setField(row, "connect_age", c ? labels.seconds_ago.replace("%(s)s", c.age_seconds) : labels.not_synced);
      if (age) { age.classList.toggle("stale", !!(c && c.stale)); }
    });
  }

  function render(data) {
    lastSnapshotAt = Date.now();
    Object.keys(data.totals).forEach(function (k) { setAll('[data-total="' + k + '"]', data.totals[k]); });
    setAll('[data-bot="containment"]', percent(data.bot.containment));
    setAll('[data-bot="fallback_rate"]', percent(data.bot.fallback_rate));
    ["contained", "conversations", "fallbacks", "bot_replies"].forEach(function (k) {
      setAll('[data-bot="' + k + '"]', data.bot[k]);
    });
    Object.keys(data.agents_by_state).forEach(function (s) {
      setAll('[data-agent-state="' + s + '"]', data.agents_by_state[s]);
    });
    setAll("[data-generated]", new Date(data.generated_at).toLocaleTimeString("ko-KR"));
    renderQueues(data.queues);
    renderCharts(data);
  }

  function renderCharts(data) {
    if (!window.Chart) { return; }
    var names = data.queues.map(function (q) { return q.name; });
    var sets = [
      {label: labels.waiting, data: data.queues.map(function (q) { return q.contacts_in_queue; }), backgroundColor: "#2457c5"},
      {label: labels.at_risk, data: data.queues.map(function (q) { return q.sla_at_risk; }), backgroundColor: "#b42318"},
      {label: labels.active, data: data.queues.map(function (q) { return q.active_chats; }), backgroundColor: "#3a9d5d"}
    ];
    if (!queueChart) {
      queueChart = new Chart(document.getElementById("chart-queues"), {
        type: "bar", data: {labels: names, datasets: sets},
        options: {responsive: true, animation: false, scales: {y: {beginAtZero: true, ticks: {precision: 0}}}}
      });
    } else {
      queueChart.data.labels = names;
      sets.forEach(function (s, i) { queueChart.data.datasets[i].data = s.data; });
      queueChart.update();
    }
    var states = Object.keys(data.agents_by_state);
    var counts = states.map(function (s) { return data.agents_by_state[s]; });
    if (!agentChart) {
      agentChart = new Chart(document.getElementById("chart-agents"), {
        type: "doughnut",
        data: {labels: states.map(function (s) { return labels.states[s] || s; }),
               datasets: [{data: counts, backgroundColor: ["#3a9d5d", "#2457c5", "#e0a100", "#8e6cc9", "#9aa5b1"]}]},
        options: {responsive: true, animation: false}
      });
    } else {
      agentChart.data.datasets[0].data = counts;
      agentChart.update();
    }
  }

  function refreshLists() {
    // Lists are HTML from the server: at most one refresh every few seconds however busy.
    var wait = listsAt + LISTS_MIN_MS - Date.now();
    if (wait > 0) {
      if (!listsTimer) { listsTimer = setTimeout(function () { listsTimer = null; refreshLists(); }, wait); }
      return;
    }
    listsAt = Date.now();
    if (window.htmx) { htmx.trigger(body, "board:lists"); }
  }

  function fetchSnapshot() {
    fetch(body.dataset.snapshotUrl, {credentials: "same-origin"})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(render)
      .catch(function () { banner.hidden = false; });
  }

  function onEvent(data) {
    if (data.type === "pong") { clearTimeout(pongTimer); return; }
    if (data.type !== "board") { return; }
    if (data.snapshot) { render(data.snapshot); } else { fetchSnapshot(); }
    refreshLists();
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + body.dataset.wsPath);
    socket.onopen = function () {
      banner.hidden = true;
      if (retry > 0) { fetchSnapshot(); refreshLists(); }  // catch up on what the gap missed
      retry = 0;
      clearInterval(pingTimer);
      pingTimer = setInterval(function () {
        if (socket.readyState !== WebSocket.OPEN) { return; }
        socket.send(JSON.stringify({type: "ping"}));
        pongTimer = setTimeout(function () { socket.close(); }, 10000);
      }, 20000);
    };
    socket.onmessage = function (e) { onEvent(JSON.parse(e.data)); };
    socket.onclose = function (e) {
      clearInterval(pingTimer);
      banner.hidden = false;
      if (e.code === 4401 || e.code === 4403) { return; }
      var delay = Math.min(10000, 500 * Math.pow(2, retry++)) + Math.random() * 500;
      setTimeout(connect, delay);
    };
  }

  // Fallback: a quiet floor sends no pushes, and a push can be lost; poll when none came lately.
  setInterval(function () {
    if (Date.now() - lastSnapshotAt >= POLL_MS - 500) { fetchSnapshot(); }
  }, POLL_MS);

  render(JSON.parse(document.getElementById("board-snapshot").textContent));
  connect();
})();
