/* API playground: the key stays in a JS variable of this page (the input has no name and no form), is never
   written to storage or cookies, and goes only into the Authorization header of the API call itself. */
(function () {
  "use strict";
  var endpoints = JSON.parse(document.getElementById("pg-endpoints").textContent);
  var $ = function (id) { return document.getElementById(id); };

  function pick(index) {
    var e = endpoints[index];
    $("pg-method").value = e.method;
    $("pg-path").value = e.path;
    $("pg-query").value = "";
    $("pg-body").value = e.body ? JSON.stringify(e.body, null, 2) : "";
  }

  $("pg-endpoint").addEventListener("change", function () { pick(this.value); });
  pick(0);

  $("pg-send").addEventListener("click", function () {
    var method = $("pg-method").value;
    var key = $("pg-key").value.trim();
    var body = $("pg-body").value.trim();
    $("pg-body-error").textContent = "";
    if (body && method !== "GET") {
      try { JSON.parse(body); } catch (e) { $("pg-body-error").textContent = "Not valid JSON: " + e.message; return; }
    }
    var path = $("pg-path").value.trim();
    var query = $("pg-query").value.trim().replace(/^\?/, "");
    if (!path.startsWith("/api/v1")) { $("pg-body-error").textContent = "The path must start with /api/v1."; return; }
    var url = path + (query ? (path.indexOf("?") === -1 ? "?" : "&") + query : "");
    var headers = { "Accept": "application/json" };
    if (key) headers["Authorization"] = "Bearer " + key;
    if (body && method !== "GET") headers["Content-Type"] = "application/json";
    var started = performance.now();
    $("pg-send").disabled = true;
    fetch(url, { method: method, headers: headers, body: method === "GET" || !body ? undefined : body,
                 credentials: "omit", cache: "no-store", redirect: "error" })
      .then(function (response) {
        var elapsed = performance.now() - started;
        return response.text().then(function (text) { show(response, text, elapsed); });
      })
      .catch(function (error) { show(null, String(error), performance.now() - started); })
      .finally(function () { $("pg-send").disabled = false; });
  });

  function show(response, text, elapsed) {
    $("pg-empty").hidden = true;
    $("pg-result").hidden = false;
    var status = $("pg-status");
    status.textContent = response ? response.status + " " + response.statusText : "Network error";
    status.className = "badge " + (response && response.ok ? "ok" : "bad");
    $("pg-time").textContent = Math.round(elapsed) + " ms";
    var lines = [];
    if (response) response.headers.forEach(function (value, name) { lines.push(name + ": " + value); });
    $("pg-headers").textContent = lines.sort().join("\n");
    var pretty = text;
    try { pretty = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* not JSON: show as is */ }
    $("pg-out").textContent = pretty || "(empty)";
  }
})();
