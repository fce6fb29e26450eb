/* Agent desk: one websocket for live updates, htmx for panels, an IME-safe composer.
 * Message text is always set with textContent, never innerHTML (customer text is untrusted). */
(function () {
  "use strict";
  var body = document.body;
  var conversationId = body.dataset.conversation || "";
  var lastSeq = parseInt(body.dataset.lastSeq || "0", 10);
  var transcript = document.getElementById("transcript");
  var composer = document.getElementById("composer");
  var banner = document.getElementById("conn-banner");
  var socket = null, pingTimer = null, pongTimer = null, retry = 0, connectedOnce = false;
  var unread = JSON.parse(sessionStorage.getItem("desk-unread") || "{}");

  function fire(name) { if (window.htmx) { htmx.trigger(body, name); } }

  function label(sender) {
    return (transcript && transcript.dataset["label" + sender.charAt(0).toUpperCase() + sender.slice(1)]) || sender;
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function appendMessage(m) {
    if (!transcript || String(m.conversation) !== conversationId) { return; }
    if (transcript.querySelector('li[data-seq="' + m.seq + '"]')) { return; }
    var li = el("li", "msg " + m.sender + (m.is_internal ? " internal" : ""));
    li.dataset.seq = m.seq;
    var who = label(m.sender) + (m.agent_name ? " · " + m.agent_name : "");
    if (m.is_internal) { who += " · " + transcript.dataset.labelInternal; }
    li.appendChild(el("span", "who", who));
    li.appendChild(el("span", "text", m.text));
    if (m.sender === "bot" && m.intent) {
      var conf = m.confidence === null ? "" : " · " + Number(m.confidence).toFixed(2);
      li.appendChild(el("span", "meta", m.intent + conf));
    }
    li.appendChild(el("time", null, new Date(m.created_at).toLocaleTimeString("ko-KR")));
    var after = null;
    transcript.querySelectorAll("li[data-seq]").forEach(function (n) {
      if (!after && parseInt(n.dataset.seq, 10) > m.seq) { after = n; }
    });
    transcript.insertBefore(li, after);
    lastSeq = Math.max(lastSeq, m.seq);
    li.scrollIntoView({block: "end"});
    if (m.sender === "customer") { fire("desk:suggest"); }
  }

  function resync() {
    var url = body.dataset.messagesUrl;
    if (!url) { return; }
    fetch(url + "?after_seq=" + lastSeq, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        data.messages.forEach(appendMessage);
        if (data.state !== body.dataset.state) { location.reload(); }
      });
  }

  function markUnread() {
    document.querySelectorAll("#mine-panel li[data-id]").forEach(function (li) {
      li.classList.toggle("unread", !!unread[li.dataset.id]);
    });
  }

  function onEvent(data) {
    switch (data.type) {
      case "pong": clearTimeout(pongTimer); break;
      // The server follows this chat from here on; fetch what was stored since the page was
      // rendered (or since the socket dropped), so a message sent in between is not missed.
      case "joined": if (String(data.conversation) === conversationId) { resync(); } break;
      case "message": appendMessage(data.message); break;
      case "activity":
        if (String(data.conversation) !== conversationId && data.sender === "customer") {
          unread[data.conversation] = true;
          sessionStorage.setItem("desk-unread", JSON.stringify(unread));
          markUnread();
        }
        break;
      case "state":
        fire("desk:queue"); fire("desk:mine");
        if (String(data.conversation.id) === conversationId && data.conversation.state !== body.dataset.state) {
          location.reload();
        }
        break;
      case "queue": case "agent": case "board": fire("desk:queue"); fire("desk:mine"); break;
      case "taken":
        // A supervisor took this chat over: refresh my list and leave the chat if it is open.
        fire("desk:mine");
        if (String(data.conversation) === conversationId) { location.reload(); }
        break;
      case "error": showError(data.message || data.code); break;
    }
  }

  function showError(text) {
    var box = document.getElementById("composer-error");
    if (box) { box.textContent = text; box.hidden = false; }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + location.host + body.dataset.wsPath + (conversationId ? "?conversation=" + conversationId : "");
    socket = new WebSocket(url);
    socket.onopen = function () {
      banner.hidden = true;
      retry = 0;
      if (connectedOnce) { fire("desk:queue"); fire("desk:mine"); }
      connectedOnce = true;
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
      if (e.code === 4401 || e.code === 4403) { return; }  // not allowed: retrying will not help
      var delay = Math.min(10000, 500 * Math.pow(2, retry++)) + Math.random() * 500;
      setTimeout(connect, delay);
    };
  }

  function send() {
    var text = composer.value.trim();
    if (!text) { return; }
    if (!socket || socket.readyState !== WebSocket.OPEN) { showError(banner.textContent); return; }
    var clientId = "d-" + Date.now() + "-" + Math.random().toString(36).slice(2, 8);
    socket.send(JSON.stringify({type: "send", text: text, client_id: clientId}));
    composer.value = "";
    document.getElementById("composer-error").hidden = true;
  }

  if (composer) {
    composer.addEventListener("keydown", function (e) {
      // Korean IME: Enter that confirms a syllable must never send (isComposing / keyCode 229).
      if (e.isComposing || e.keyCode === 229) { return; }
      if (e.key === "Enter" && (e.ctrlKey || !e.shiftKey)) { e.preventDefault(); send(); }
    });
    document.getElementById("composer-form").addEventListener("submit", function (e) { e.preventDefault(); send(); });
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest("button.insert");
    if (!button || !composer) { return; }
    composer.value = button.dataset.insert;  // inserted for editing, never sent directly
    composer.focus();
  });

  document.addEventListener("keydown", function (e) {
    if (!e.altKey || e.ctrlKey) { return; }
    if (e.key >= "1" && e.key <= "9") {
      var link = document.querySelector('#mine-panel a[data-shortcut="' + e.key + '"]');
      if (link) { e.preventDefault(); location.href = link.href; }
    } else if ((e.key === "s" || e.key === "S") && composer) {
      var first = document.querySelector("#suggestions button.insert");
      if (first) { e.preventDefault(); first.click(); }
    }
  });

  body.addEventListener("htmx:afterSwap", markUnread);
  if (conversationId) { delete unread[conversationId]; sessionStorage.setItem("desk-unread", JSON.stringify(unread)); }
  markUnread();
  if (transcript && transcript.lastElementChild) { transcript.lastElementChild.scrollIntoView({block: "end"}); }
  connect();
})();
