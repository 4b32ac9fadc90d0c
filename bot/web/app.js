// Safe Report web chat. Leaves as little trace as a web page can:
// - the conversation id is a random value held in this variable only (no cookies, no
//   localStorage/sessionStorage/IndexedDB, no service worker), so a reload starts afresh;
// - quick exit (button or Esc) empties the page and replaces it, and its history entry,
//   with an ordinary website.
"use strict";

(function () {
  var WEBHOOK_URL = "webhook"; // relative: /webhooks/webchat/webhook when served at /webhooks/webchat/
  var REQUEST_TIMEOUT_MS = 30000;
  // Shown when the server cannot be reached: nothing here depends on the server. Replaced by
  // its translation when a language is chosen (the page carries every language's texts).
  var OFFLINE_TEXT =
    "Sorry, this chat cannot reach its server just now. In danger? Call 999. " +
    "If you cannot speak, call 999, then press 55 on a mobile when asked. " +
    "On a landline, stay on the line and cough or tap. " +
    "National Domestic Abuse Helpline, free, day and night: 0808 2000 247.";
  var BOT_SAID = "Safe Report said:";
  var YOU_SAID = "You said:";

  var exitLink = document.getElementById("quick-exit");
  // The operator sets the neutral site once, as the quick-exit link's href in index.html.
  var EXIT_URL = exitLink.href;

  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("message");
  var conversationId = newConversationId();
  var chosenLanguage = ""; // "" = automatic: the server answers in the language the person writes in
  var queue = Promise.resolve(); // messages are sent one after another, in order
  var pending = 0;
  var leaving = false;

  function newConversationId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  // ---- Quick exit ----

  function quickExit(event) {
    if (event) event.preventDefault();
    if (leaving) return;
    leaving = true;
    conversationId = null;
    // Empty the page first, so nothing of the chat is left even for a moment.
    document.title = "";
    while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
    // replace(): the chat's history entry becomes the neutral site, so Back does not return here.
    window.location.replace(EXIT_URL);
  }

  exitLink.addEventListener("click", quickExit);
  document.addEventListener("keydown", function (event) {
    // isComposing: Esc also cancels an input-method composition (e.g. typing Chinese).
    if (event.key === "Escape" && !event.isComposing) quickExit(event);
  });
  // If the browser keeps the page in its back/forward cache anyway, show nothing of the chat.
  window.addEventListener("pagehide", function () {
    conversationId = null;
    while (log.firstChild) log.removeChild(log.firstChild);
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) window.location.reload(); // start afresh, with a new conversation id
  });

  // ---- Showing messages ----

  // Phone numbers become tap-to-call links: 999, and UK numbers of 10-11 digits that start
  // with 0, written with or without spaces ("0808 2000 247", "020 8571 9595", "08 08 16 89 111").
  var PHONE = /(^|[^\d])(999|0\d{1,4}(?: \d{1,4}){1,5}|0\d{9,10})(?!\d)/g;

  function digitCount(s) { return s.replace(/ /g, "").length; }

  function appendTextWithPhoneLinks(parent, text) {
    var last = 0;
    var match;
    PHONE.lastIndex = 0;
    while ((match = PHONE.exec(text)) !== null) {
      var number = match[2];
      // A number followed by other figures ("0800 555 111 24 hours"): drop trailing groups.
      while (digitCount(number) > 11 && number.lastIndexOf(" ") > 0) {
        number = number.slice(0, number.lastIndexOf(" "));
      }
      var start = match.index + match[1].length;
      PHONE.lastIndex = start + number.length;
      var digits = number.replace(/ /g, "");
      if (digits !== "999" && (digits.length < 10 || digits.length > 11)) continue;
      parent.appendChild(document.createTextNode(text.slice(last, start)));
      var link = document.createElement("a");
      link.href = "tel:" + digits;
      link.textContent = number;
      // <bdi>: in right-to-left text a number is still shown left to right, never reversed.
      var isolated = document.createElement("bdi");
      isolated.appendChild(link);
      parent.appendChild(isolated);
      last = start + number.length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function addMessage(who, text, buttons) {
    var item = document.createElement("div");
    item.className = "msg " + who;
    var label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = who === "user" ? YOU_SAID : BOT_SAID;
    item.appendChild(label);
    if (text) {
      var bubble = document.createElement("p");
      bubble.className = "bubble";
      bubble.dir = "auto"; // each message laid out in its own direction
      if (who === "user") bubble.textContent = text;
      else appendTextWithPhoneLinks(bubble, text);
      item.appendChild(bubble);
    }
    if (buttons && buttons.length) item.appendChild(buttonList(buttons));
    log.appendChild(item);
    return item;
  }

  function buttonList(buttons) {
    var list = document.createElement("ul");
    list.className = "answer-buttons";
    buttons.forEach(function (b) {
      if (!b || typeof b.title !== "string") return;
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "topic";
      button.textContent = b.title;
      var payload = typeof b.payload === "string" && b.payload ? b.payload : b.title;
      button.addEventListener("click", function () { send(payload, b.title); });
      li.appendChild(button);
      list.appendChild(li);
    });
    return list;
  }

  function showAnswer(messages, question) {
    messages.forEach(function (m) {
      addMessage("bot", typeof m.text === "string" ? m.text : "",
                 Array.isArray(m.buttons) ? m.buttons : null);
    });
    // Show the question and the start of its answer; focus stays where the person is typing.
    question.scrollIntoView({ block: "start" });
  }

  function setBusy(busy) {
    pending += busy ? 1 : -1;
    log.setAttribute("aria-busy", pending > 0 ? "true" : "false");
    document.body.classList.toggle("waiting", pending > 0);
  }

  // ---- Talking to the server ----

  function isMessageList(data) {
    return Array.isArray(data) && data.length > 0 && data.every(function (m) {
      return m && typeof m === "object" && (typeof m.text === "string" || Array.isArray(m.buttons));
    });
  }

  function ask(text) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS);
    return fetch(WEBHOOK_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: conversationId, message: text, metadata: { language: chosenLanguage } }),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
      redirect: "error",
      signal: controller.signal
    }).then(function (response) {
      // 200, and also 429 (too fast) and 400 (bad input): all answer with a list of messages.
      return response.json();
    }).then(function (data) {
      return isMessageList(data) ? data : [{ text: OFFLINE_TEXT }];
    }).catch(function () {
      return [{ text: OFFLINE_TEXT }];
    }).finally(function () {
      clearTimeout(timer);
    });
  }

  function send(text, shownText) {
    if (leaving || !text || !text.trim()) return;
    var question = addMessage("user", shownText || text);
    question.scrollIntoView({ block: "nearest" });
    setBusy(true);
    queue = queue.then(function () {
      return ask(text);
    }).then(function (messages) {
      if (!leaving) showAnswer(messages, question);
    }).finally(function () {
      setBusy(false);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    send(text);
    input.focus();
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit();
      else form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  // ---- Choosing the language ----

  function readPageStrings() {
    var block = document.getElementById("page-strings");
    try {
      var data = JSON.parse(block ? block.textContent : "");
      return data && Array.isArray(data.languages) ? data.languages : [];
    } catch (e) {
      return [];
    }
  }

  var LANGUAGES = readPageStrings();
  var picker = document.getElementById("language");

  function languageFor(code) {
    for (var i = 0; i < LANGUAGES.length; i++) if (LANGUAGES[i].code === code) return LANGUAGES[i];
    return null;
  }

  // The block around each page text (the text itself, or the paragraph of an inline one).
  function textBlock(el) {
    return getComputedStyle(el).display === "inline" ? el.parentElement : el;
  }

  // A block whose texts are all English fallbacks is laid out left to right even on a
  // right-to-left page ("?Who can help me" otherwise); any other follows the page.
  function layOutEnglishLeftToRight() {
    var texts = document.querySelectorAll("[data-i18n]");
    var blocks = [];
    Array.prototype.forEach.call(texts, function (el) {
      var block = textBlock(el);
      if (block && blocks.indexOf(block) < 0) blocks.push(block);
    });
    blocks.forEach(function (block) {
      var english = Array.prototype.every.call(texts, function (el) {
        return textBlock(el) !== block || el.lang === "en";
      });
      if (english) block.dir = "ltr";
      else block.removeAttribute("dir");
    });
  }

  function applyLanguage(code) {
    var language = languageFor(code) || languageFor("en");
    chosenLanguage = languageFor(code) ? code : "";
    if (!language) return;
    var strings = language.strings || {};
    document.documentElement.lang = language.code;
    document.documentElement.dir = language.dir === "rtl" ? "rtl" : "ltr";
    var english = (languageFor("en") || {}).strings || {};
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (el) {
      var text = strings[el.getAttribute("data-i18n")];
      if (typeof text !== "string" || !text) return;
      el.textContent = text;
      // A text not translated yet is English, and is read aloud as English.
      if (language.code !== "en" && text === english[el.getAttribute("data-i18n")]) el.lang = "en";
      else el.removeAttribute("lang");
    });
    layOutEnglishLeftToRight();
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n-message]"), function (el) {
      var text = strings[el.getAttribute("data-i18n-message")];
      if (typeof text === "string" && text) el.setAttribute("data-message", text);
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n-label]"), function (el) {
      var text = strings[el.getAttribute("data-i18n-label")];
      if (typeof text === "string" && text) el.setAttribute("aria-label", text);
    });
    OFFLINE_TEXT = strings.page_offline || OFFLINE_TEXT;
    BOT_SAID = strings.page_bot_said || BOT_SAID;
    YOU_SAID = strings.page_you_said || YOU_SAID;
  }

  if (picker) {
    LANGUAGES.forEach(function (language) {
      var option = document.createElement("option");
      option.value = language.code;
      option.textContent = language.name; // each language named in itself
      option.lang = language.code;
      option.dir = language.dir === "rtl" ? "rtl" : "ltr";
      picker.appendChild(option);
    });
    picker.addEventListener("change", function () { applyLanguage(picker.value); });
  }

  Array.prototype.forEach.call(document.querySelectorAll("button.topic[data-message]"), function (button) {
    button.addEventListener("click", function () { send(button.getAttribute("data-message")); });
  });
})();
