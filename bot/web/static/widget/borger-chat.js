/*
 * Borger-chat: the citizen chat widget of the municipal assistant.
 *
 * Plain JavaScript, no framework, no build step, nothing loaded from elsewhere. Add it to a page
 * with one tag (the CSS is loaded from the same folder as this file):
 *
 *   <script src="https://…/static/widget/borger-chat.js"
 *           data-assistant-url="http://localhost:5005"
 *           data-municipality="Tårnby Kommune"
 *           data-phone="32 76 11 00"
 *           data-digital-post="https://…" defer></script>
 *
 * It talks to the assistant's REST channel: POST {assistant-url}/webhooks/rest/webhook with
 * {"sender", "message"} and gets back a list of
 * {"text", "buttons": [{"title", "payload"}], "metadata": {"language": "da" | "en"}}.
 * Bot text is always rendered as text (never as HTML); http(s) URLs become links, and a link
 * written as [label](url) shows its label ("borger.dk: Flytning").
 *
 * The widget's own labels (LABELS: Danish and English: launcher, title, privacy notice, input,
 * buttons) follow the page's language (<html lang>; Danish when it is neither), as the rest of
 * the page does, and the widget root has that lang. Only the conversation switches language:
 * each bot message carries it in metadata.language (the assistant's "language" slot), and every
 * message is shown with the lang it was written in. The conversation's language is kept with the
 * conversation (sessionStorage) and shown as the root's data-language attribute.
 *
 * Quick-reply buttons answer the message they came with: a message's buttons are disabled once
 * one of them is clicked or a newer reply has arrived (also after a reload), so an old "Nej" to
 * "Fik du svar på dit spørgsmål?" cannot be sent again later. (The assistant would record it for
 * the answer it was given for, which the button names, not for a newer one.)
 *
 * On a small screen the open panel fills the screen and keeps the keyboard focus inside it (Tab
 * and Shift+Tab go round; Escape closes it and focus returns to the launcher). The launcher
 * floats over the page, so the widget leaves room for it below the page's last content: scrolled
 * to the end, nothing of the page is under the launcher.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__borgerChatLoaded) {
    return;
  }
  window.__borgerChatLoaded = true;

  var MAX_CHARS = 500;
  var TIMEOUT_MS = 30000;
  // A link the assistant wrote as [label](url) ("[borger.dk: Flytning](https://…/r/moving)"),
  // or a bare http(s) URL.
  var URL_PATTERN = /\[([^\[\]\n]+)\]\((https?:\/\/[^\s()<>"']+)\)|https?:\/\/[^\s<>"']+/g;
  var TRAILING_PUNCTUATION = /[.,;:!?)\]]+$/;
  // CPR numbers in the spellings the server's privacy guard knows (bot/dialogue/cpr.py): the number
  // is sent to the guard (which removes it and warns), but never shown or kept in this tab.
  var CPR =
    /(^|[^\d])(\d{2})[ \t.\-\/\u2010-\u2015]?(\d{2})[ \t.\-\/\u2010-\u2015]?(\d{2})\s*[ \-\u2010-\u2015]?\s*(\d{4})(?!\d)/g;
  var CPR_REMOVED = "[CPR-nummer fjernet]";

  var config = {
    assistantUrl: (script.getAttribute("data-assistant-url") || "").replace(/\/+$/, ""),
    municipality: script.getAttribute("data-municipality") || "kommunen",
    phone: script.getAttribute("data-phone") || "",
    digitalPost: safeHttpUrl(script.getAttribute("data-digital-post") || ""),
  };
  var storageKey = "borger-chat:" + config.assistantUrl;

  // The widget's own labels (not the assistant's sentences), per conversation language.
  var LABELS = {
    da: {
      launcher: "Chat med kommunen",
      title: "Chat med " + config.municipality,
      close: "Luk chatten",
      log: "Samtale med kommunens digitale assistent",
      inputLabel: "Skriv dit spørgsmål",
      send: "Send",
      typing: "Assistenten skriver …",
      you: "Du skrev:",
      assistant: "Assistenten skrev:",
      newWindow: " (åbner i et nyt vindue)",
      privacy:
        "Skriv ikke dit CPR-nummer eller andre personlige oplysninger her. " +
        "Skal du sende personlige oplysninger til kommunen, så brug Digital Post.",
      digitalPostLink: "Gå til Digital Post",
      unreachable:
        "Vi kan ikke få forbindelse til chatten lige nu. " +
        (config.phone
          ? "Ring til " + config.municipality + " på " + config.phone + "."
          : "Prøv igen om lidt."),
      tooLong: "Din besked er for lang. Skriv højst " + MAX_CHARS + " tegn.",
      tooMany: "Du har sendt mange beskeder på kort tid. Vent lidt, og prøv igen.",
      refused: function (detail) {
        return (
          "Din besked kunne ikke sendes" +
          (detail ? " (" + detail + ")" : "") +
          ". Prøv at skrive den på en anden måde."
        );
      },
    },
    en: {
      launcher: "Chat with the municipality",
      title: "Chat with " + config.municipality,
      close: "Close the chat",
      log: "Conversation with the municipality's digital assistant",
      inputLabel: "Write your question",
      send: "Send",
      typing: "The assistant is typing …",
      you: "You wrote:",
      assistant: "The assistant wrote:",
      newWindow: " (opens in a new window)",
      privacy:
        "Do not write your CPR number or other personal information here. " +
        "If you need to send personal information to the municipality, use Digital Post.",
      digitalPostLink: "Go to Digital Post",
      unreachable:
        "We cannot connect to the chat right now. " +
        (config.phone
          ? "Call " + config.municipality + " on " + config.phone + "."
          : "Please try again in a moment."),
      tooLong: "Your message is too long. Write at most " + MAX_CHARS + " characters.",
      tooMany: "You have sent many messages in a short time. Please wait a little and try again.",
      refused: function (detail) {
        return (
          "Your message could not be sent" +
          (detail ? " (" + detail + ")" : "") +
          ". Try writing it in another way."
        );
      },
    },
  };
  var DEFAULT_LANGUAGE = "da";

  function knownLanguage(value) {
    return typeof value === "string" && Object.prototype.hasOwnProperty.call(LABELS, value);
  }

  /* The page's language ("en-GB" is "en"), if the widget has labels in it; else Danish. */
  function pageLanguage() {
    var lang = (document.documentElement.getAttribute("lang") || "").toLowerCase().split("-")[0];
    return knownLanguage(lang) ? lang : DEFAULT_LANGUAGE;
  }

  // -- storage (sessionStorage: the conversation lives as long as the tab) ----------------

  var memory = {};

  function load(name) {
    try {
      var raw = window.sessionStorage.getItem(storageKey + ":" + name);
      return raw === null ? memory[name] : JSON.parse(raw);
    } catch (e) {
      return memory[name];
    }
  }

  function save(name, value) {
    memory[name] = value;
    try {
      window.sessionStorage.setItem(storageKey + ":" + name, JSON.stringify(value));
    } catch (e) {
      /* storage full or disabled: keep the conversation in memory only */
    }
  }

  /*
   * A random conversation id of letters only ("w-" + 24 letters, ~112 bits): the privacy guard
   * refuses ids that look like they contain a CPR number, which a run of digits could.
   */
  var SENDER_PATTERN = /^w-[a-z]{24}$/;
  var LETTERS = "abcdefghijklmnopqrstuvwxyz";

  function senderId() {
    var id = load("sender");
    if (typeof id === "string" && SENDER_PATTERN.test(id)) {
      return id;
    }
    id = "w-";
    var bytes = new Uint8Array(64);
    while (id.length < 26) {
      window.crypto.getRandomValues(bytes);
      for (var i = 0; i < bytes.length && id.length < 26; i++) {
        if (bytes[i] < 234) {
          id += LETTERS.charAt(bytes[i] % 26); // 234 = 9 * 26: no bias
        }
      }
    }
    save("sender", id);
    return id;
  }

  var history = load("history");
  if (!Array.isArray(history)) {
    history = [];
  }

  // The conversation's language: as the assistant last said it, Danish until then.
  var language = load("language");
  if (!knownLanguage(language)) {
    language = DEFAULT_LANGUAGE;
  }
  // The widget's own labels: the page's language, whatever the conversation's is.
  var chromeLanguage = pageLanguage();
  var TEXT = LABELS[chromeLanguage];

  // -- helpers ----------------------------------------------------------------------------

  function safeHttpUrl(value) {
    try {
      var url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : "";
    } catch (e) {
      return "";
    }
  }

  function withoutCpr(text) {
    return String(text).replace(CPR, function (match, before, day, month) {
      var d = parseInt(day, 10);
      var m = parseInt(month, 10);
      var plausible = ((d >= 1 && d <= 31) || (d >= 61 && d <= 91)) && m >= 1 && m <= 12;
      return plausible ? before + CPR_REMOVED : match;
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function visuallyHidden(text) {
    return el("span", "bc-visually-hidden", text);
  }

  function linkLabel(href) {
    var url = new URL(href);
    var label = url.host + (url.pathname === "/" ? "" : url.pathname);
    return label;
  }

  function makeLink(href, label) {
    var a = el("a", "bc-link");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener";
    a.appendChild(document.createTextNode(label || linkLabel(href)));
    a.appendChild(visuallyHidden(TEXT.newWindow));
    return a;
  }

  /* One line of bot text: plain text nodes, with http(s) URLs as real links. */
  function appendLine(parent, line) {
    var last = 0;
    var match;
    URL_PATTERN.lastIndex = 0;
    while ((match = URL_PATTERN.exec(line)) !== null) {
      var candidate = match[0];
      var label = match[1];
      var href;
      if (label) {
        href = safeHttpUrl(match[2]);
      } else {
        var trailing = candidate.match(TRAILING_PUNCTUATION);
        if (trailing) {
          candidate = candidate.slice(0, candidate.length - trailing[0].length);
        }
        href = safeHttpUrl(candidate);
      }
      if (!href) {
        continue;
      }
      if (match.index > last) {
        parent.appendChild(document.createTextNode(line.slice(last, match.index)));
      }
      parent.appendChild(makeLink(href, label));
      last = match.index + candidate.length;
    }
    if (last < line.length) {
      parent.appendChild(document.createTextNode(line.slice(last)));
    }
  }

  function appendText(parent, text) {
    String(text).split(/\r?\n/).forEach(function (line, i) {
      if (i > 0) {
        parent.appendChild(document.createElement("br"));
      }
      appendLine(parent, line);
    });
  }

  // -- the widget -------------------------------------------------------------------------

  var root = el("div", "bc-root");
  root.lang = chromeLanguage;
  root.setAttribute("data-language", language);
  root.setAttribute("data-borger-chat", "");

  var launcher = el("button", "bc-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-haspopup", "dialog");
  launcher.setAttribute("aria-controls", "bc-panel");
  launcher.setAttribute("aria-expanded", "false");
  var bubble = el("span", "bc-launcher-icon");
  bubble.setAttribute("aria-hidden", "true");
  launcher.appendChild(bubble);
  var launcherText = el("span", "bc-launcher-text", TEXT.launcher);
  launcher.appendChild(launcherText);

  var panel = el("div", "bc-panel");
  panel.id = "bc-panel";
  panel.hidden = true;
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-modal", "false");
  panel.setAttribute("aria-labelledby", "bc-title");

  var header = el("div", "bc-header");
  var title = el("h2", "bc-title", TEXT.title);
  title.id = "bc-title";
  var closeButton = el("button", "bc-close");
  closeButton.type = "button";
  closeButton.setAttribute("aria-label", TEXT.close);
  var closeIcon = el("span", "bc-close-icon", "×");
  closeIcon.setAttribute("aria-hidden", "true");
  closeButton.appendChild(closeIcon);
  header.appendChild(title);
  header.appendChild(closeButton);

  var notice = el("p", "bc-notice");
  notice.id = "bc-notice";
  var privacyText = document.createTextNode(TEXT.privacy);
  notice.appendChild(privacyText);
  var dpText = document.createTextNode(TEXT.digitalPostLink);
  var dpNewWindow = visuallyHidden(TEXT.newWindow);
  if (config.digitalPost) {
    notice.appendChild(document.createTextNode(" "));
    var dp = el("a", "bc-link");
    dp.href = config.digitalPost;
    dp.target = "_blank";
    dp.rel = "noopener";
    dp.appendChild(dpText);
    dp.appendChild(dpNewWindow);
    notice.appendChild(dp);
  }

  var log = el("div", "bc-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-relevant", "additions");
  log.setAttribute("aria-label", TEXT.log);
  log.tabIndex = 0; // scrollable region: reachable by keyboard
  // The privacy notice opens the conversation (present from the start, so not announced
  // as a new message; the input refers to it with aria-describedby).
  log.appendChild(notice);

  var form = el("form", "bc-form");
  form.noValidate = true;
  var label = el("label", "bc-label", TEXT.inputLabel);
  label.htmlFor = "bc-input";
  var input = el("textarea", "bc-input");
  input.id = "bc-input";
  input.name = "message";
  input.rows = 2;
  input.maxLength = MAX_CHARS;
  input.setAttribute("autocomplete", "off");
  input.setAttribute("aria-describedby", "bc-notice");
  var sendButton = el("button", "bc-send", TEXT.send);
  sendButton.type = "submit";
  var row = el("div", "bc-row");
  row.appendChild(input);
  row.appendChild(sendButton);
  form.appendChild(label);
  form.appendChild(row);

  panel.appendChild(header);
  panel.appendChild(log);
  panel.appendChild(form);
  root.appendChild(launcher);
  root.appendChild(panel);

  // -- rendering --------------------------------------------------------------------------

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function renderEntry(entry) {
    var item = el("div", "bc-msg bc-msg-" + entry.from);
    var labels = TEXT;
    if (knownLanguage(entry.lang)) {
      item.lang = entry.lang; // the language it was written in, whatever the widget's is now
      labels = LABELS[entry.lang];
    }
    if (entry.from === "user") {
      item.appendChild(visuallyHidden(TEXT.you + " "));
      // The citizen's own text, as typed: never turned into links or markup.
      item.appendChild(el("span", "bc-text bc-text-user", entry.text));
    } else {
      if (entry.from === "bot") {
        item.appendChild(visuallyHidden(labels.assistant + " "));
      }
      var text = el("span", "bc-text");
      appendText(text, entry.text || "");
      item.appendChild(text);
      if (Array.isArray(entry.buttons) && entry.buttons.length) {
        var group = el("div", "bc-quick-replies");
        var buttons = [];
        entry.buttons.forEach(function (b) {
          if (!b || typeof b.payload !== "string") {
            return;
          }
          var button = el("button", "bc-quick", String(b.title || b.payload));
          button.type = "button";
          button.addEventListener("click", function () {
            if (entry.done) {
              return;
            }
            button.classList.add("bc-chosen");
            entry.chosen = b.payload;
            finish(entry);
            send(b.payload, String(b.title || b.payload));
            input.focus();
          });
          if (entry.chosen === b.payload) {
            button.classList.add("bc-chosen");
          }
          buttons.push(button);
          group.appendChild(button);
        });
        item.appendChild(group);
        entry._buttons = buttons;
        if (entry.done) {
          disable(buttons);
        } else {
          live.push(entry);
        }
      }
    }
    log.appendChild(item);
    scrollToEnd();
  }

  // The messages whose quick-reply buttons still work (the latest reply's).
  var live = [];

  function disable(buttons) {
    buttons.forEach(function (button) {
      button.disabled = true;
    });
  }

  /* A message's buttons are used up: disabled now and after a reload. */
  function finish(entry) {
    entry.done = true;
    disable(entry._buttons || []);
    live = live.filter(function (other) {
      return other !== entry;
    });
    saveHistory();
  }

  /* A newer reply arrived: the buttons of every earlier message are used up. */
  function finishAll() {
    live.slice().forEach(finish);
  }

  /* The conversation as it is kept (without the rendered buttons: keys starting with _). */
  function saveHistory() {
    save(
      "history",
      history.slice(-200).map(function (entry) {
        var copy = {};
        Object.keys(entry).forEach(function (key) {
          if (key.charAt(0) !== "_") {
            copy[key] = entry[key];
          }
        });
        return copy;
      })
    );
  }

  function add(entry) {
    history.push(entry);
    saveHistory();
    renderEntry(entry);
  }

  var typing = el("div", "bc-msg bc-msg-bot bc-typing");
  typing.setAttribute("aria-label", TEXT.typing);
  var typingText = visuallyHidden(TEXT.typing);
  typing.appendChild(typingText);
  var dots = el("span", "bc-dots");
  dots.setAttribute("aria-hidden", "true");
  for (var d = 0; d < 3; d++) {
    dots.appendChild(el("span", "bc-dot"));
  }
  typing.appendChild(dots);

  var pending = 0;

  /* The conversation's language, as the assistant says it: its messages (and the widget's
   * error messages in the conversation) are in it; the widget's own labels stay the page's. */
  function setLanguage(next) {
    if (!knownLanguage(next) || next === language) {
      return;
    }
    language = next;
    save("language", language);
    root.setAttribute("data-language", language);
  }

  /* The conversation's language as the reply gives it (its last message that says one). */
  function languageOf(messages) {
    var found = null;
    messages.forEach(function (m) {
      if (m && m.metadata && knownLanguage(m.metadata.language)) {
        found = m.metadata.language;
      }
    });
    return found;
  }

  function showTyping(on) {
    if (on) {
      log.appendChild(typing); // (re)appended last, below the newest message
      scrollToEnd();
    } else if (typing.parentNode) {
      typing.parentNode.removeChild(typing);
    }
  }

  // -- talking to the assistant ---------------------------------------------------------

  function errorFor(status, body) {
    var said = LABELS[language]; // part of the conversation: in its language
    if (status >= 500 || !status) {
      return said.unreachable;
    }
    if (status === 413) {
      return said.tooLong;
    }
    if (status === 429) {
      return said.tooMany;
    }
    var detail = body && typeof body.error === "string" ? body.error.slice(0, 200) : "";
    return said.refused(detail);
  }

  function post(message) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller
      ? window.setTimeout(function () {
          controller.abort();
        }, TIMEOUT_MS)
      : null;
    return window
      .fetch(config.assistantUrl + "/webhooks/rest/webhook", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ sender: senderId(), message: message }),
        credentials: "omit",
        signal: controller ? controller.signal : undefined,
      })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return null;
          })
          .then(function (body) {
            return { status: response.status, body: body };
          });
      })
      .catch(function () {
        return { status: 0, body: null };
      })
      .then(function (result) {
        if (timer) {
          window.clearTimeout(timer);
        }
        return result;
      });
  }

  var queue = Promise.resolve();

  function send(message, shown) {
    message = String(message);
    if (!message.trim()) {
      return;
    }
    if (message.length > MAX_CHARS) {
      add({ from: "error", lang: language, text: LABELS[language].tooLong });
      return;
    }
    add({ from: "user", text: withoutCpr(shown || message) });
    pending += 1;
    showTyping(true);
    // One request at a time, in order: the assistant answers messages of a conversation in turn.
    queue = queue.then(function () {
      return post(message).then(function (result) {
        pending -= 1;
        if (!pending) {
          showTyping(false);
        }
        if (result.status >= 200 && result.status < 300 && Array.isArray(result.body)) {
          setLanguage(languageOf(result.body));
          if (result.body.length) {
            finishAll(); // a newer reply: earlier buttons are used up
          }
          result.body.forEach(function (m) {
            if (!m || (typeof m.text !== "string" && !Array.isArray(m.buttons))) {
              return;
            }
            add({
              from: "bot",
              lang: language,
              text: typeof m.text === "string" ? m.text : "",
              buttons: Array.isArray(m.buttons)
                ? m.buttons
                    .filter(function (b) {
                      return b && typeof b.payload === "string";
                    })
                    .map(function (b) {
                      return { title: String(b.title || b.payload), payload: b.payload };
                    })
                : [],
            });
          });
        } else {
          add({ from: "error", lang: language, text: errorFor(result.status, result.body) });
        }
        if (pending) {
          showTyping(true);
        }
      });
    });
  }

  // -- opening, closing, keyboard ---------------------------------------------------------

  // On a small screen the open panel fills the screen (borger-chat.css): it is modal then.
  var fullScreen = window.matchMedia ? window.matchMedia("(max-width: 30rem)") : null;

  function isModal() {
    return !panel.hidden && !!fullScreen && fullScreen.matches;
  }

  function updateModal() {
    panel.setAttribute("aria-modal", isModal() ? "true" : "false");
  }

  /* What Tab can reach in the panel, in order. */
  function focusables() {
    var nodes = panel.querySelectorAll(
      "a[href], button:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])"
    );
    return Array.prototype.filter.call(nodes, function (node) {
      return node.getClientRects().length > 0;
    });
  }

  /* Keep the focus in the full-screen panel: Tab from the last goes to the first, Shift+Tab
   * from the first to the last. */
  function trapTab(event) {
    if (event.key !== "Tab" || !isModal()) {
      return;
    }
    var nodes = focusables();
    if (!nodes.length) {
      return;
    }
    var first = nodes[0];
    var last = nodes[nodes.length - 1];
    var inside = panel.contains(document.activeElement);
    if (event.shiftKey && (!inside || document.activeElement === first)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (!inside || document.activeElement === last)) {
      event.preventDefault();
      first.focus();
    }
  }

  /* Focus that gets out of the full-screen panel anyway (a click behind it) comes back. */
  function keepFocusIn(event) {
    if (isModal() && event.target instanceof Node && !panel.contains(event.target)) {
      input.focus();
    }
  }

  document.addEventListener("keydown", trapTab, true);
  document.addEventListener("focusin", keepFocusIn, true);
  if (fullScreen) {
    if (fullScreen.addEventListener) {
      fullScreen.addEventListener("change", updateModal);
    } else if (fullScreen.addListener) {
      fullScreen.addListener(updateModal);
    }
  }

  function open() {
    panel.hidden = false;
    root.classList.add("bc-open");
    launcher.setAttribute("aria-expanded", "true");
    launcher.hidden = true;
    updateModal();
    scrollToEnd();
    input.focus();
  }

  function close() {
    panel.hidden = true;
    updateModal();
    root.classList.remove("bc-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.hidden = false;
    launcher.focus();
  }

  launcher.addEventListener("click", open);
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submit();
  });

  function submit() {
    var message = input.value;
    if (!message.trim()) {
      input.focus();
      return;
    }
    input.value = "";
    send(message);
    input.focus();
  }

  // -- start --------------------------------------------------------------------------------

  function start() {
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = new URL("borger-chat.css", script.src).href;
    history.forEach(renderEntry);
    // A conversation kept before buttons were used up: only the last reply's still work.
    var lastUser = -1;
    history.forEach(function (entry, i) {
      if (entry.from === "user") {
        lastUser = i;
      }
    });
    live.slice().forEach(function (entry) {
      if (history.indexOf(entry) < lastUser) {
        finish(entry);
      }
    });
    // Show the widget once its CSS is there (no flash of an unstyled launcher).
    var shown = false;
    function show() {
      if (!shown) {
        shown = true;
        document.body.appendChild(root);
      }
    }
    css.addEventListener("load", show);
    css.addEventListener("error", show);
    window.setTimeout(show, 3000);
    document.head.appendChild(css);
  }

  if (document.body) {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
