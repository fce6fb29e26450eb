/* Embeddable chat launcher: <script src="https://HOST/static/js/widget.js" defer></script>
 * Adds a button that opens the web chat (/chat/?embed=1) from the same host in a frame. */
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = new URL(script.src).origin;
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = origin + "/static/css/widget.css";
  document.head.appendChild(css);
  var button = document.createElement("button");
  button.type = "button";
  button.className = "aicc-widget-button";
  button.textContent = script.dataset.label || "채팅 상담";
  var frame = null;
  button.addEventListener("click", function () {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.className = "aicc-widget-frame";
      frame.title = button.textContent;
      frame.src = origin + "/chat/?embed=1";
      document.body.appendChild(frame);
    } else {
      frame.hidden = !frame.hidden;
    }
  });
  document.body.appendChild(button);
})();
