// The console works without this file: it only adds conveniences. Print buttons print the
// page (the brief); a filter's select submits its form at once; the sandbox's sign-in page
// (data-auto) signs in without waiting for the button.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var auto = document.querySelector("form[data-auto]");
  if (auto) auto.submit();
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("form.filters select").forEach(function (s) {
    s.addEventListener("change", function () { s.form.requestSubmit(); });
  });
});

// The Mini App (CONFIDENTIAL_CONTENT). The page a web_app button opens is an empty shell
// (#miniapp); its content is asked for with the initData Telegram gave the page, and every form
// sends it again: the server checks it on each request, there is no session. Telegram's own
// script is not loaded (nothing comes from elsewhere), so this is a small window.Telegram.WebApp
// of our own: initData and the theme from the parameters Telegram puts in the address's
// fragment (tgWebAppData, tgWebAppThemeParams), and ready, close and the main button as events
// posted to the client — to Telegram's mobile and desktop apps through their bridges, to its
// web client (and the sandbox's overlay) as a message to the parent frame.
(function () {
  var shell = document.getElementById("miniapp");
  if (!shell) return;
  var params = new URLSearchParams(location.hash.slice(1));
  function postEvent(type, data) {
    var body = JSON.stringify(data || {});
    if (window.TelegramWebviewProxy) window.TelegramWebviewProxy.postEvent(type, body);
    else if (window.external && "notify" in window.external) window.external.notify(JSON.stringify({eventType: type, eventData: data || {}}));
    else if (window.parent !== window) window.parent.postMessage(JSON.stringify({eventType: type, eventData: data || {}}), "*");
  }
  var theme = {};
  try { theme = JSON.parse(params.get("tgWebAppThemeParams") || "{}"); } catch (e) { theme = {}; }
  var mainClick = null;
  var main = {text: "", isVisible: false,
    setText: function (t) { main.text = t; sync(); return main; },
    show: function () { main.isVisible = true; sync(); return main; },
    hide: function () { main.isVisible = false; sync(); return main; },
    onClick: function (f) { mainClick = f; return main; }};
  function sync() { postEvent("web_app_setup_main_button", {is_visible: main.isVisible, text: main.text, is_active: true}); }
  window.addEventListener("message", function (e) {
    var m;
    try { m = JSON.parse(e.data); } catch (err) { return; }
    if (m && m.eventType === "main_button_pressed" && mainClick) mainClick();
  });
  window.Telegram = window.Telegram || {};
  window.Telegram.WebApp = window.Telegram.WebApp || {initData: params.get("tgWebAppData") || "", themeParams: theme,
    MainButton: main, ready: function () { postEvent("web_app_ready"); }, close: function () { postEvent("web_app_close"); }};
  var app = window.Telegram.WebApp;
  var initData = app.initData;
  var root = document.documentElement.style;
  Object.keys(app.themeParams || {}).forEach(function (k) { root.setProperty("--tg-" + k.replace(/_/g, "-"), app.themeParams[k]); });

  // What comes back is shown from its top, or from what it says went wrong or was done (a
  // phone's screen holds a few fields: the problems of a form sent from its end are above);
  // a form that comes back from a file's upload stays where it was.
  function show(html, stay) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var target = document.querySelector("main"), got = doc.querySelector("main");
    target.innerHTML = got ? got.innerHTML : "";
    document.documentElement.lang = doc.documentElement.lang;
    document.documentElement.dir = doc.documentElement.dir;
    var ack = document.querySelector("form[data-app] button[type=submit]");
    if (ack) {
      main.setText(ack.textContent).onClick(function () { ack.form.requestSubmit(); }).show();
    } else {
      main.hide();
    }
    var first = document.querySelector("#app-problems, .field.wrong, #app-notice");
    if (first) first.scrollIntoView({block: "start"});
    else if (!stay) window.scrollTo(0, 0);
  }
  // A form that carries files (enctype multipart/form-data) goes as it is, its files with it.
  function post(url, form, multipart) {
    var body = multipart ? form : new URLSearchParams(form);
    body.set("init_data", initData);
    return fetch(url, {method: "POST", body: body, credentials: "omit"})
      .then(function (r) { return r.text(); }).then(show);
  }
  // The form's draft is saved a moment after typing stops.
  var pending = null;
  function saveDraft(f) {
    var body = new URLSearchParams(new FormData(f));
    body.set("init_data", initData);
    return fetch(f.dataset.draft, {method: "POST", body: body, credentials: "omit"});
  }
  document.addEventListener("input", function (e) {
    var f = e.target.form;
    if (!f || !f.dataset.draft) return;
    clearTimeout(pending);
    pending = setTimeout(function () { saveDraft(f); }, 600);
  });
  // A file chosen on the form goes up at once (the draft saved first, so the form comes back
  // as typed); a file of an alert comes down with initData and is saved from memory.
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input.dataset || !input.dataset.upload || !input.files.length) return;
    var f = input.form;
    var body = new FormData();
    body.set("init_data", initData);
    body.set("csrf", f.querySelector("input[name=csrf]").value);
    body.set("file", input.files[0]);
    clearTimeout(pending);
    saveDraft(f).then(function () {
      return fetch(input.dataset.upload, {method: "POST", body: body, credentials: "omit"});
    }).then(function (r) { return r.text(); }).then(function (html) { show(html, true); });
  });
  // Remove beside a file on the new alert's draft takes it off at once, as a chosen file goes
  // up at once (the draft saved first, so the form comes back as typed).
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("button[data-remove]");
    if (!b) return;
    e.preventDefault();
    var f = b.form;
    var body = new URLSearchParams();
    body.set("init_data", initData);
    body.set("csrf", f.querySelector("input[name=csrf]").value);
    clearTimeout(pending);
    saveDraft(f).then(function () {
      return fetch(b.dataset.remove, {method: "POST", body: body, credentials: "omit"});
    }).then(function (r) { return r.text(); }).then(function (html) { show(html, true); });
  });
  document.addEventListener("click", function (e) {
    var file = e.target.closest && e.target.closest("a[data-app-file]");
    if (!file) return;
    e.preventDefault();
    var body = new URLSearchParams();
    body.set("init_data", initData);
    fetch(file.getAttribute("href"), {method: "POST", body: body, credentials: "omit"})
      .then(function (r) { return r.blob(); }).then(function (b) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(b);
        a.download = file.getAttribute("download") || "file";
        document.body.appendChild(a);
        a.click();
        a.remove();
      });
  });
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-app-view]");
    if (!a) return;
    e.preventDefault();
    post(a.getAttribute("href"), new FormData());
  });
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f.matches("form[data-app]")) return;
    e.preventDefault();
    clearTimeout(pending);
    post(f.getAttribute("action"), new FormData(f), f.enctype === "multipart/form-data");
  });
  post(shell.dataset.view, new FormData()).then(function () { app.ready(); });
})();
