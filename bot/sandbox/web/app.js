// focalbot sandbox page: chat with the bot as any persona of the demo network.
// Plain JavaScript, no build step. Message HTML comes sanitised from the server (rendered from
// Telegram's entities, see render.go); everything else is put on the page as text.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const state = {
    personas: [],          // from the server, with the language the bot now speaks to each
    current: null,         // id of the persona chatting
    seq: 0,                // newest event seen
    chats: new Map(),      // persona id -> Map(message id -> message)
    seen: new Map(),       // persona id -> newest event the person has looked at
    pressing: new Set(),   // "chat:message" of buttons waiting for the bot
    drawn: { chat: null, newest: 0 }, // the chat on screen and its newest message, when last drawn
  };

  // Errors are shown, not swallowed: the browser test fails on any.
  window.addEventListener("error", (e) => banner("Page error: " + e.message, true));
  window.addEventListener("unhandledrejection", (e) => banner("Page error: " + (e.reason && e.reason.message || e.reason), true));

  function banner(text, isError) {
    const b = $("banner");
    b.textContent = text;
    b.className = "banner" + (isError ? " error" : "");
    b.hidden = !text;
  }

  async function api(path, opts) {
    opts = opts || {};
    if (opts.method === "POST") opts.headers = Object.assign({ "X-Sandbox": "1" }, opts.headers || {});
    const res = await fetch(path, opts);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.error || res.statusText);
    return body;
  }

  const persona = (id) => state.personas.find((p) => p.id === id);
  const chat = (id) => {
    if (!state.chats.has(id)) state.chats.set(id, new Map());
    return state.chats.get(id);
  };
  const initials = (name) => name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0]).join("").toUpperCase();

  function unread(id) {
    const seen = state.seen.get(id) || 0;
    let n = 0;
    for (const m of chat(id).values()) if (m.from_bot && !m.deleted && m.seq > seen) n++;
    return n;
  }

  function avatar(p, i) {
    const a = document.createElement("span");
    a.className = "avatar c" + (i % 9);
    a.textContent = initials(p.name);
    if (p.country) {
      const cc = document.createElement("span");
      cc.className = "cc";
      cc.textContent = p.country;
      a.appendChild(cc);
    }
    return a;
  }

  function renderPersonas() {
    const list = $("persona-list");
    list.textContent = "";
    state.personas.forEach((p, i) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "persona";
      b.dataset.persona = String(p.id);
      b.setAttribute("aria-current", String(p.id === state.current));
      b.appendChild(avatar(p, i));
      const t = document.createElement("span");
      t.className = "ptext";
      const n = document.createElement("span");
      n.className = "pname";
      n.textContent = p.name;
      const s = document.createElement("span");
      s.className = "ptitle";
      s.textContent = p.title + " · " + p.lang;
      const f = document.createElement("span");
      f.className = "pfirst";
      f.textContent = p.name.split(/\s+/)[0];
      t.append(n, f, s);
      b.appendChild(t);
      const u = p.id === state.current ? 0 : unread(p.id);
      if (u > 0) {
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = String(u);
        badge.setAttribute("aria-label", u + " new");
        b.appendChild(badge);
      }
      b.addEventListener("click", () => switchTo(p.id));
      li.appendChild(b);
      list.appendChild(li);
    });
  }

  function switchTo(id) {
    if (!persona(id)) return;
    state.current = id;
    history.replaceState(null, "", "#" + id);
    $("menu").hidden = true;
    markSeen();
    renderPersonas();
    renderChat(true);
    $("text").focus();
  }

  function markSeen() {
    let max = state.seen.get(state.current) || 0;
    for (const m of chat(state.current).values()) max = Math.max(max, m.seq);
    state.seen.set(state.current, max);
  }

  function time(ms) {
    const d = new Date(ms);
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  }

  function messageNode(m, fresh) {
    const wrap = document.createElement("div");
    wrap.className = "msg " + (m.from_bot ? "bot" : "me") + (m.deleted ? " deleted" : "") + (fresh ? " fresh" : "");
    wrap.dataset.id = String(m.id);
    wrap.dataset.from = m.from_bot ? "bot" : "me";
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    if (m.kind === "photo" || m.kind === "document") {
      const tile = document.createElement("div");
      tile.className = "tile " + m.kind;
      const icon = document.createElement("div");
      icon.className = "icon";
      const ext = (m.file_name || "").split(".").pop();
      icon.textContent = m.kind === "photo" ? "photo" : (ext && ext.length <= 4 ? ext : "file");
      tile.appendChild(icon);
      if (m.kind === "document") {
        const name = document.createElement("div");
        name.className = "fname";
        name.textContent = m.file_name || "document";
        tile.appendChild(name);
      }
      bubble.appendChild(tile);
    }
    const text = document.createElement("div");
    text.className = "text";
    text.dir = "auto";
    text.innerHTML = m.html; // sanitised on the server: only Telegram's tags, all text escaped
    bubble.appendChild(text);
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = (m.deleted ? "deleted · " : m.edited ? "edited · " : "") + time(m.time);
    bubble.appendChild(meta);
    wrap.appendChild(bubble);
    if (m.buttons && m.buttons.length && !m.deleted) {
      const kb = document.createElement("div");
      kb.className = "keyboard";
      for (const row of m.buttons) {
        const r = document.createElement("div");
        r.className = "krow";
        for (const btn of row) {
          let el;
          if (btn.web_app) {
            el = document.createElement("button");
            el.type = "button";
            el.dataset.webApp = btn.web_app;
            el.addEventListener("click", () => openWebApp(btn.web_app));
          } else if (btn.url) {
            el = document.createElement("a");
            el.href = btn.url;
            el.target = "_blank";
            el.rel = "noopener noreferrer";
          } else {
            el = document.createElement("button");
            el.type = "button";
            el.dataset.data = btn.data || "";
            el.addEventListener("click", () => press(m.id, btn.data || "", el));
            if (state.pressing.has(state.current + ":" + m.id)) el.setAttribute("aria-busy", "true");
          }
          el.className = "kbtn";
          el.dir = "auto";
          el.textContent = btn.text;
          el.title = btn.text;
          r.appendChild(el);
        }
        kb.appendChild(r);
      }
      wrap.appendChild(kb);
    }
    return wrap;
  }

  // The page's own words in the persona's language (from the server, out of the locales).
  function word(name, fallback) {
    const p = persona(state.current);
    return (p && p.words && p.words[name]) || fallback;
  }

  function renderWords() {
    const t = $("text");
    t.placeholder = word("placeholder", "Message");
    t.setAttribute("aria-label", t.placeholder);
    t.title = word("hint", "Enter sends; Shift+Enter starts a new line");
    for (const [id, name, fallback] of [["send", "send", "Send"], ["menu-button", "commands", "Commands"], ["attach", "attach", "Send a photo or a document"]]) {
      $(id).title = word(name, fallback);
      $(id).setAttribute("aria-label", $(id).title);
    }
    $("new-cue").textContent = "↓ " + word("newMessages", "New messages");
  }

  // The new-messages cue shows while messages that arrived are below what is on screen.
  const atBottom = (box) => box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  function showCue(on) { $("new-cue").hidden = !on; }

  function renderChat(jump, freshIds) {
    const p = persona(state.current);
    const box = $("messages");
    if (!p) return;
    const chatEl = $("chat");
    chatEl.dir = p.dir;
    chatEl.lang = p.lang;
    renderWords();
    $("chat-sub").textContent = "you are " + p.name + " · " + p.title + " · " + p.lang;
    const nearBottom = atBottom(box);
    const top = box.scrollTop;
    box.textContent = "";
    const msgs = Array.from(chat(state.current).values()).sort((a, b) => a.id - b.id);
    if (!msgs.length) {
      const e = document.createElement("div");
      e.className = "empty";
      e.textContent = p.member ? word("emptyMember", "Send /start or /help to begin.") : word("emptyOutsider", "Not a member: try /start to see what outsiders get.");
      box.appendChild(e);
    }
    for (const m of msgs) box.appendChild(messageNode(m, freshIds && freshIds.has(m.id)));
    // New messages, not edits of those already there: the chat grew since it was last drawn.
    const newest = msgs.length ? msgs[msgs.length - 1].id : 0;
    const grew = state.drawn.chat === state.current && newest > state.drawn.newest;
    state.drawn = { chat: state.current, newest: newest };
    if (jump || nearBottom) {
      box.scrollTop = box.scrollHeight;
      showCue(false);
    } else {
      box.scrollTop = top; // reading further up: stay there, and say when more came below
      if (grew) showCue(true);
    }
    renderMenu();
  }

  function renderMenu() {
    const p = persona(state.current);
    const menu = $("menu");
    menu.textContent = "";
    for (const c of (p && p.commands) || []) {
      const b = document.createElement("button");
      b.type = "button";
      const name = document.createElement("b");
      name.textContent = "/" + c.command;
      const d = document.createElement("span");
      d.textContent = c.description;
      b.append(name, d);
      b.addEventListener("click", () => { menu.hidden = true; send("/" + c.command); });
      menu.appendChild(b);
    }
    $("menu-button").hidden = !(p && p.commands && p.commands.length);
  }

  function toast(t) {
    if (t.alert) {
      $("modal-text").textContent = t.text;
      $("modal").hidden = false;
      $("modal-ok").focus();
      return;
    }
    const el = $("toast");
    el.textContent = t.text;
    el.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { el.hidden = true; }, 3000);
  }

  async function send(text) {
    text = text.trim();
    if (!text || !state.current) return;
    try {
      await api("/api/chats/" + state.current + "/text", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text }),
      });
    } catch (e) {
      banner("Not sent: " + e.message, true);
    }
  }

  // A web_app button opens its Mini App in the overlay, as Telegram's web client does: in a
  // frame, with Telegram's launch parameters (initData signed by the emulator, the theme) in
  // the address's fragment; the page's events — ready, the main button, close — come as
  // messages from the frame, and pressing the main button is posted back to it.
  async function openWebApp(url) {
    const r = await api("/api/chats/" + state.current + "/webapp", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ url: url }) });
    $("webapp-main").hidden = true;
    $("webapp-frame").src = r.src;
    $("webapp").hidden = false;
  }
  function closeWebApp() {
    $("webapp").hidden = true;
    $("webapp-frame").src = "about:blank";
  }
  window.addEventListener("message", (e) => {
    if (e.source !== $("webapp-frame").contentWindow) return;
    let m;
    try { m = JSON.parse(e.data); } catch (err) { return; }
    if (!m) return;
    if (m.eventType === "web_app_close") closeWebApp();
    if (m.eventType === "web_app_setup_main_button") {
      const d = m.eventData || {};
      $("webapp-main").textContent = d.text || "";
      $("webapp-main").hidden = !d.is_visible;
    }
  });

  async function press(messageID, data, el) {
    const key = state.current + ":" + messageID;
    state.pressing.add(key);
    el.setAttribute("aria-busy", "true");
    try {
      await api("/api/chats/" + state.current + "/press", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ message_id: messageID, data }),
      });
    } catch (e) {
      state.pressing.delete(key);
      el.removeAttribute("aria-busy");
      toast({ text: e.message });
    }
  }

  async function sendFile(file) {
    const form = new FormData();
    form.append("kind", /^image\/(jpeg|png|webp|gif)$/.test(file.type) ? "photo" : "document");
    form.append("file", file, file.name);
    form.append("caption", $("text").value);
    try {
      await api("/api/chats/" + state.current + "/file", { method: "POST", body: form });
      $("text").value = "";
    } catch (e) {
      banner("Not sent: " + e.message, true);
    }
  }

  function apply(answer, initial) {
    if (answer.personas) state.personas = answer.personas;
    const fresh = new Set();
    for (const c of answer.chats || []) {
      const msgs = chat(c.chat_id);
      for (const m of c.messages) {
        msgs.set(m.id, m);
        if (c.chat_id === state.current && !initial) fresh.add(m.id);
        state.pressing.delete(c.chat_id + ":" + m.id);
      }
      if (c.chat_id === state.current && !initial) for (const t of c.toasts || []) if (t.text) toast(t);
      // Any answer to a press ends the waiting of that chat's buttons.
      if ((c.toasts || []).length) for (const k of Array.from(state.pressing)) if (k.startsWith(c.chat_id + ":")) state.pressing.delete(k);
    }
    state.seq = answer.seq;
    if (initial) for (const p of state.personas) state.seen.set(p.id, state.seq);
    else markSeen();
    renderPersonas();
    renderChat(initial, fresh);
  }

  async function poll() {
    let failures = 0;
    let initial = true;
    for (;;) {
      try {
        const ans = await api("/api/poll?since=" + state.seq);
        if (failures) banner("");
        failures = 0;
        apply(ans, initial);
        initial = false;
      } catch (e) {
        failures++;
        banner("The sandbox does not answer (stopped?). Retrying…", true);
        await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** failures, 10000)));
      }
    }
  }

  async function start() {
    state.personas = await api("/api/personas");
    const wanted = Number(location.hash.slice(1));
    state.current = persona(wanted) ? wanted : state.personas[0].id;
    renderPersonas();
    renderChat(true);
    // The composer: Enter sends, Shift+Enter starts a new line; a pasted form keeps its lines.
    // The box grows with its lines up to a few, then scrolls.
    const t = $("text");
    const fit = () => { t.style.height = "auto"; t.style.height = t.scrollHeight + 2 + "px"; };
    t.addEventListener("input", fit);
    t.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        $("composer").requestSubmit();
      }
    });
    $("composer").addEventListener("submit", (e) => {
      e.preventDefault();
      send(t.value);
      t.value = "";
      fit();
    });
    $("attach").addEventListener("click", () => $("file").click());
    $("new-cue").addEventListener("click", () => {
      const box = $("messages");
      box.scrollTop = box.scrollHeight;
      showCue(false);
    });
    $("messages").addEventListener("scroll", () => { if (atBottom($("messages"))) showCue(false); });
    $("file").addEventListener("change", () => {
      const f = $("file").files[0];
      if (f) sendFile(f);
      $("file").value = "";
    });
    $("menu-button").addEventListener("click", () => {
      const m = $("menu");
      m.hidden = !m.hidden;
      $("menu-button").setAttribute("aria-expanded", String(!m.hidden));
    });
    $("modal-ok").addEventListener("click", () => { $("modal").hidden = true; });
    $("webapp-close").addEventListener("click", closeWebApp);
    $("webapp-main").addEventListener("click", () => {
      $("webapp-frame").contentWindow.postMessage(JSON.stringify({ eventType: "main_button_pressed", eventData: {} }), "*");
    });
    // The analysts' console, signed in as the analyst persona, in a new tab: the tab is opened
    // at once (within the click, so no pop-up blocker stops it) and sent to the link once the
    // sandbox has made one.
    $("console-tab").addEventListener("click", () => {
      const w = window.open("about:blank", "_blank");
      api("/api/console", { method: "POST" }).then((r) => {
        if (w) w.location.href = r.url; else window.location.href = r.url;
      }).catch((e) => {
        if (w) w.close();
        banner("The console does not answer: " + e.message, true);
      });
    });
    $("messages").addEventListener("click", (e) => {
      const cmd = e.target.closest("a.cmd");
      if (cmd) { e.preventDefault(); send(cmd.dataset.cmd); return; }
      const sp = e.target.closest(".spoiler");
      if (sp) sp.classList.add("shown");
    });
    poll();
  }

  document.addEventListener("DOMContentLoaded", () => {
    start().catch((e) => banner("The sandbox does not answer: " + e.message, true));
  });
})();
