// Progressive enhancement only: every page reads and every form posts without this script.
(function () {
  "use strict";
  var csrf = document.body.getAttribute("data-csrf") || "";

  // Alerts inbox: j/k move, r/f/m triage the current alert, o opens it; triage without reload.
  var list = document.getElementById("alerts");
  if (list) {
    var items = Array.prototype.slice.call(list.querySelectorAll(".alert"));
    var at = -1;
    var select = function (i) {
      if (!items.length) { return; }
      at = Math.max(0, Math.min(items.length - 1, i));
      items.forEach(function (el) { el.classList.remove("current"); });
      items[at].classList.add("current");
      items[at].focus({ preventScroll: true });
      items[at].scrollIntoView({ block: "nearest" });
    };
    var triage = function (item, state) {
      var body = new URLSearchParams({ csrf: csrf, state: state });
      return fetch("/alerts/" + item.getAttribute("data-id") + "/triage", {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "accept": "application/json", "x-csrf-token": csrf }
      }).then(function (r) { return r.json(); }).then(function (data) {
        (data.alerts || []).forEach(function (id) {
          var el = document.getElementById("alert-" + id);
          if (!el) { return; }
          el.className = el.className.replace(/ ?triaged-\S+/g, "") + (data.triage ? " triaged-" + data.triage : "");
          el.querySelectorAll(".triage button[data-key]").forEach(function (b) {
            b.setAttribute("aria-pressed", b.value === data.triage ? "true" : "false");
          });
        });
      });
    };
    list.addEventListener("click", function (e) {
      var button = e.target.closest(".triage button[data-key]");
      if (!button) { return; }
      e.preventDefault();
      var item = button.closest(".alert");
      select(items.indexOf(item));
      triage(item, button.value);
    });
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey || /INPUT|SELECT|TEXTAREA/.test(e.target.tagName)) { return; }
      var keys = { r: "relevant", f: "false_alarm", m: "muted" };
      if (e.key === "j") { select(at + 1); }
      else if (e.key === "k") { select(at - 1); }
      else if (keys[e.key] && at >= 0) { triage(items[at], keys[e.key]); }
      else if (e.key === "o" && at >= 0) { items[at].querySelector("a.title").click(); }
      else { return; }
      e.preventDefault();
    });
  }

  // Workbench: check the YAML as you type; problems at line and column.
  var yaml = document.getElementById("yaml");
  var problems = document.getElementById("problems");
  if (yaml && problems) {
    var timer = null;
    var check = function () {
      var body = new URLSearchParams({ csrf: csrf, yaml: yaml.value });
      fetch("/rules/check", { method: "POST", body: body, credentials: "same-origin",
        headers: { "x-csrf-token": csrf } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          problems.textContent = "";
          var ul = document.createElement("ul");
          ul.className = data.valid ? "valid" : "problems";
          if (data.valid) {
            var ok = document.createElement("li");
            ok.textContent = "valid: " + data.rules.join(", ");
            ul.appendChild(ok);
          }
          (data.problems || []).forEach(function (p) {
            var li = document.createElement("li");
            li.className = "problem";
            li.setAttribute("data-line", p.line);
            li.textContent = "line " + p.line + ", column " + p.column + ": " + p.message;
            ul.appendChild(li);
          });
          problems.appendChild(ul);
        });
    };
    yaml.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(check, 300); });
  }

  // Removing a source asks first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
}());
