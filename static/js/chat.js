/* Customer web chat: sends through the chat API, receives live over the customer websocket,
 * and resyncs from history?after_seq= once every (re)connect is subscribed, so nothing is missed.
 * Message text is set with textContent only. */
(function () {
  "use strict";
  var body = document.body;
  var key = body.dataset.key, api = body.dataset.api;
  var list = document.getElementById("messages");
  var input = document.getElementById("input");
  var statusEl = document.getElementById("status");
  var banner = document.getElementById("conn-banner");
  var csat = document.getElementById("csat");
  var params = new URLSearchParams(location.search);
  var userId = params.get("user_id") || localStorage.getItem("aicc-user") ||
    "web-" + Math.random().toString(36).slice(2, 12);
  localStorage.setItem("aicc-user", userId);
  var sessionId = localStorage.getItem("aicc-session:" + userId) || "";
  var lastSeq = 0, state = "BOT", socket = null, retry = 0, pingTimer = null, pongTimer = null;

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) { n.className = cls; }
    if (text !== undefined) { n.textContent = text; }
    return n;
  }

  function showError(text) {
    var box = document.getElementById("error");
    box.textContent = text || ""; box.hidden = !text;
  }

  function render(m) {
    if (!m.seq || list.querySelector('li[data-seq="' + m.seq + '"]')) { return; }
    var li = el("li", "msg " + m.sender);
    li.dataset.seq = m.seq;
    var label = list.dataset["label" + m.sender.charAt(0).toUpperCase() + m.sender.slice(1)] || "";
    li.appendChild(el("span", "who", m.agent_name && m.sender === "agent" ? label + " " + m.agent_name : label));
    li.appendChild(el("span", "text", m.text));
    var before = null;
    list.querySelectorAll("li[data-seq]").forEach(function (n) {
      if (!before && parseInt(n.dataset.seq, 10) > m.seq) { before = n; }
    });
    list.insertBefore(li, before);
    lastSeq = Math.max(lastSeq, m.seq);
    li.scrollIntoView({block: "end"});
    if (m.ask_csat) { csat.hidden = false; }
    quickReplies(m.quick_replies || []);
  }

  function quickReplies(items) {
    var box = document.getElementById("quick-replies");
    box.replaceChildren();
    items.forEach(function (text) {
      var b = el("button", "secondary", text);
      b.type = "button";
      b.addEventListener("click", function () { sendText(text); });
      box.appendChild(b);
    });
  }

  function setStatus(newState, extra) {
    state = newState || state;
    var t = statusEl.dataset;
    if (state === "ASSIGNED") { statusEl.textContent = t.assigned.replace("{agent}", (extra && extra.agent_name) || ""); }
    else if (state === "CLOSED") { statusEl.textContent = t.closed; }
    else if (state === "ABANDONED") { statusEl.textContent = t.abandoned; }
    else if (state === "QUEUED" && extra && extra.position) {
      statusEl.textContent = t.queued.replace("{position}", extra.position)
        .replace("{minutes}", Math.max(1, Math.round(extra.estimated_wait_seconds / 60)));
    }
    document.getElementById("leave").hidden = state !== "QUEUED";
    document.getElementById("escalate").hidden = state !== "BOT";
    document.getElementById("restart").hidden = !(state === "CLOSED" || state === "ABANDONED");
  }

  function call(method, path, data) {
    var opts = {method: method, headers: {"X-Api-Key": key, "Content-Type": "application/json"}};
    if (data) { opts.body = JSON.stringify(data); }
    return fetch(api + path, opts).then(function (r) {
      return r.json().then(function (b) {
        if (!r.ok) { throw new Error((b.error && b.error.message) || r.status); }
        return b;
      });
    });
  }

  function resync() {
    if (!sessionId) { return Promise.resolve(); }
    return call("GET", "history/" + sessionId + "?user_id=" + encodeURIComponent(userId) + "&after_seq=" + lastSeq + "&limit=200")
      .then(function (page) {
        page.messages.forEach(function (m) { m.ask_csat = false; render(m); });
        setStatus(page.state);
        if (page.state === "CLOSED" && page.messages.some(function (m) { return m.next_action === "END"; })) { csat.hidden = false; }
        if (page.has_more) { return resync(); }
      })
      .catch(function (e) { showError(e.message); });
  }

  function connect() {
    if (!sessionId) { return; }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var qs = "?key=" + encodeURIComponent(key) + "&user_id=" + encodeURIComponent(userId) + "&session_id=" + sessionId;
    socket = new WebSocket(scheme + location.host + body.dataset.wsPath + qs);
    socket.onopen = function () {
      banner.hidden = true; retry = 0;
      clearInterval(pingTimer);
      pingTimer = setInterval(function () {
        if (socket.readyState !== WebSocket.OPEN) { return; }
        socket.send(JSON.stringify({type: "ping"}));
        pongTimer = setTimeout(function () { socket.close(); }, 10000);
      }, 20000);
    };
    socket.onmessage = function (e) {
      var data = JSON.parse(e.data);
      if (data.type === "pong") { clearTimeout(pongTimer); }
      else if (data.type === "message") { render(data.message); }
      else if (data.type === "state") { setStatus(data.state, data); }
      else if (data.type === "position") { setStatus("QUEUED", data); }
      // "ready" comes after the server joined this chat's group: history fetched from here on
      // overlaps live events (render() skips a seq it has) instead of leaving a gap.
      else if (data.type === "ready") { setStatus(data.state); resync(); }
    };
    socket.onclose = function () {
      clearInterval(pingTimer);
      banner.hidden = false;
      setTimeout(connect, Math.min(10000, 500 * Math.pow(2, retry++)) + Math.random() * 500);
    };
  }

  function remember(id) {
    var first = !sessionId;
    sessionId = id;
    localStorage.setItem("aicc-session:" + userId, id);
    if (first) { connect(); }
  }

  function sendText(text) {
    text = text.trim();
    if (!text) { return; }
    var clientId = "c-" + Date.now() + "-" + Math.random().toString(36).slice(2, 8);
    var data = {message: text, user_id: userId, client_message_id: clientId};
    if (sessionId) { data.session_id = sessionId; }
    showError("");
    call("POST", "chat", data).then(function (r) {
      if (r.session_id !== sessionId) { list.replaceChildren(); lastSeq = 0; if (socket) { socket.onclose = null; socket.close(); } sessionId = ""; }
      remember(r.session_id);
      render({seq: r.seq, sender: "customer", text: text});
      if (r.reply_seq) { render({seq: r.reply_seq, sender: "bot", text: r.response_text, quick_replies: r.quick_replies}); }
      if (r.escalation) { setStatus("QUEUED", r.escalation); }
      else if (r.next_action === "WITH_AGENT") { setStatus("ASSIGNED"); }
    }).catch(function (e) { showError(e.message); input.value = text; });
  }

  document.getElementById("send-form").addEventListener("submit", function (e) {
    e.preventDefault(); var text = input.value; input.value = ""; sendText(text);
  });
  input.addEventListener("keydown", function (e) {
    if (e.isComposing || e.keyCode === 229) { return; }  // Korean IME is confirming a syllable
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); document.getElementById("send-form").requestSubmit(); }
  });
  document.getElementById("escalate").addEventListener("click", function () {
    if (!sessionId) { sendText("상담원 연결"); return; }
    call("POST", "escalate", {session_id: sessionId, user_id: userId})
      .then(function (r) { setStatus("QUEUED", r); resync(); })
      .catch(function (e) { showError(e.message); });
  });
  document.getElementById("leave").addEventListener("click", function () {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify({type: "leave"})); }
  });
  document.getElementById("restart").addEventListener("click", function () {
    localStorage.removeItem("aicc-session:" + userId);
    location.reload();
  });
  csat.querySelectorAll("button[data-score]").forEach(function (b) {
    b.addEventListener("click", function () {
      call("POST", "csat", {session_id: sessionId, user_id: userId, score: parseInt(b.dataset.score, 10),
                           comment: document.getElementById("csat-comment").value})
        .then(function () { document.getElementById("csat-done").hidden = false; csat.querySelector(".scores").hidden = true; })
        .catch(function (e) { showError(e.message); });
    });
  });

  setStatus("BOT");
  if (sessionId) { connect(); }
})();
