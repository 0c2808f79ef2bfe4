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
      else if (e.key === "o" && at >= 0) {
        var link = items[at].querySelector("a.title");  // an article without a URL has none
        if (link) { link.click(); }
      }
      else { return; }
      e.preventDefault();
    });
  }

  // Workbench: check the YAML as you type; every problem at its line and column, a link that
  // puts the caret there. Only the newest answer is shown (answers may arrive out of order).
  var yaml = document.getElementById("yaml");
  var problems = document.getElementById("problems");
  if (yaml && problems) {
    var timer = null;
    var asked = 0;
    var caretAt = function (line, column) {
      var lines = yaml.value.split("\n");
      var index = 0;
      for (var i = 0; i < line - 1 && i < lines.length; i++) { index += lines[i].length + 1; }
      index = Math.min(index + column - 1, yaml.value.length);
      yaml.focus();
      yaml.setSelectionRange(index, Math.min(index + 1, yaml.value.length));
    };
    var show = function (text, className, list) {
      problems.textContent = "";
      var head = document.createElement("p");
      head.className = className;
      head.textContent = text;
      problems.appendChild(head);
      if (!list.length) { return; }
      var ul = document.createElement("ul");
      ul.className = "problems";
      list.forEach(function (p) {
        var li = document.createElement("li");
        li.className = "problem";
        li.setAttribute("data-line", p.line);
        li.setAttribute("data-column", p.column);
        var a = document.createElement("a");
        a.href = "#yaml";
        a.textContent = "line " + p.line + ", column " + p.column;
        li.appendChild(a);
        li.appendChild(document.createTextNode(": " + p.message));
        ul.appendChild(li);
      });
      problems.appendChild(ul);
    };
    var check = function () {
      var mine = ++asked;
      var body = new URLSearchParams({ csrf: csrf, yaml: yaml.value });
      fetch("/rules/check", { method: "POST", body: body, credentials: "same-origin",
        headers: { "x-csrf-token": csrf } })
        .then(function (r) {
          if (r.status === 403) { throw new Error("HTTP 403: log in again"); }
          // A refused evaluation (busy, too slow, too large) says why in its JSON error.
          return r.json().catch(function () { return {}; }).then(function (data) {
            if (!r.ok) { throw new Error((data.error && data.error.message) || "HTTP " + r.status); }
            return data;
          });
        })
        .then(function (data) {
          if (mine !== asked) { return; }
          var n = (data.problems || []).length;
          show(data.valid ? "valid: " + data.rules.join(", ")
            : n + (n === 1 ? " problem:" : " problems:"), data.valid ? "valid" : "problems",
            data.problems || []);
        })
        .catch(function (err) {
          if (mine === asked) { show("could not check the rule (" + err.message + ")", "problems", []); }
        });
    };
    yaml.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(check, 300); });
    problems.addEventListener("click", function (e) {
      var li = e.target.closest("li.problem");
      if (!li || !e.target.closest("a")) { return; }
      e.preventDefault();
      caretAt(Number(li.getAttribute("data-line")), Number(li.getAttribute("data-column")));
    });
  }

  // Removing a source asks first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
}());
