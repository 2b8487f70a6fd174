/* Embed mode and "copy embed code" (README: Embedding in the intranet).
 *
 * ?embed=1            the page without navigation (add &filters=1 to keep the filter bar)
 * ?embed=1&chart=ID   only the chart card holding #ID (drill-downs keep working)
 * Every chart card gets a button that copies an <iframe> snippet for that chart with the
 * current filters. Texts come from the shell (#embed-texts data attributes, translated).
 */
(function () {
  "use strict";

  function params() { return new URLSearchParams(window.location.search); }

  function texts() {
    var el = document.getElementById("embed-texts");
    return {
      copy: (el && el.dataset.copy) || "Copy embed code",
      copied: (el && el.dataset.copied) || "Embed code copied",
      manual: (el && el.dataset.manual) || "Copy this code:",
    };
  }

  function chartIdOf(card) {
    var graph = card.querySelector(".dash-graph[id]");
    return graph ? graph.id : null;
  }

  function embedUrl(chartId) {
    var p = params();
    p.delete("chart"); p.delete("filters");
    p.set("embed", "1");
    p.set("chart", chartId);
    return window.location.origin + window.location.pathname + "?" + p.toString();
  }

  function snippet(chartId) {
    var url = embedUrl(chartId).replace(/&/g, "&amp;").replace(/"/g, "&quot;");
    return '<iframe src="' + url + '" width="100%" height="460" style="border:0" loading="lazy"></iframe>';
  }

  function toast(message) {
    var t = document.createElement("div");
    t.className = "embed-toast";
    t.textContent = message;
    document.body.appendChild(t);
    setTimeout(function () { t.remove(); }, 2200);
  }

  function copy(chartId) {
    var code = snippet(chartId), tx = texts();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(code).then(function () { toast(tx.copied); },
                                              function () { window.prompt(tx.manual, code); });
    } else {
      window.prompt(tx.manual, code);
    }
  }

  function decorate() {
    var p = params(), body = document.body;
    var embed = p.get("embed") === "1", chart = p.get("chart");
    body.classList.toggle("embed", embed);
    body.classList.toggle("embed-filters", embed && p.get("filters") === "1");
    body.classList.toggle("embed-single", embed && !!chart);
    var tx = texts();
    document.querySelectorAll(".chart-card").forEach(function (card) {
      var id = chartIdOf(card);
      card.classList.toggle("embed-target", embed && !!chart && id === chart);
      var head = card.querySelector(".card-head");
      if (!id || !head) return;
      var btn = head.querySelector(".embed-copy");
      if (!btn) {
        btn = document.createElement("button");
        btn.type = "button";
        btn.className = "embed-copy btn btn-link btn-sm";
        btn.innerHTML = '<i class="bi bi-code-slash"></i>';
        btn.addEventListener("click", function () { copy(chartIdOf(card)); });
        head.appendChild(btn);
      }
      btn.title = tx.copy;
      btn.setAttribute("aria-label", tx.copy);
    });
  }

  var scheduled = false;
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    window.requestAnimationFrame(function () { scheduled = false; decorate(); });
  }
  new MutationObserver(schedule).observe(document.documentElement, { childList: true, subtree: true });
  window.addEventListener("popstate", schedule);
  document.addEventListener("DOMContentLoaded", schedule);
})();
