// 朗读: the browser's own speech synthesis reads the card the buttons sit in (the 公告,
// the 告知书, the success page). Nothing is sent anywhere; where the browser cannot speak
// (or has no Chinese voice) the buttons stay hidden.
(function () {
  "use strict";

  var synth = window.speechSynthesis;
  if (!synth || typeof window.SpeechSynthesisUtterance !== "function") return;

  function chineseVoice() {
    var voices = synth.getVoices();
    for (var i = 0; i < voices.length; i++) {
      if (/^zh[-_]CN/i.test(voices[i].lang)) return voices[i];
    }
    for (var j = 0; j < voices.length; j++) {
      if (/^zh/i.test(voices[j].lang)) return voices[j];
    }
    return null;
  }

  // The words a sighted reader sees in the card, without the buttons themselves.
  function textOf(card) {
    var copy = card.cloneNode(true);
    copy.querySelectorAll(".read-aloud, form, [hidden], [aria-hidden=true], .visually-hidden").forEach(function (el) {
      el.remove();
    });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  function setup(box) {
    var read = box.querySelector("[data-read-aloud]");
    var stop = box.querySelector("[data-read-stop]");
    var card = box.closest(".card") || document.getElementById("main");
    var speaking = function (on) {
      read.disabled = on;
      stop.disabled = !on;
      // The pressed button is disabled now; keep the keyboard where the next action is.
      (on ? stop : read).focus();
    };
    read.addEventListener("click", function () {
      synth.cancel();
      var utterance = new SpeechSynthesisUtterance(textOf(card));
      utterance.lang = "zh-CN";
      var voice = chineseVoice();
      if (voice) utterance.voice = voice;
      utterance.rate = 0.9;  // a little slower than the default, for older listeners
      utterance.onend = utterance.onerror = function () { speaking(false); };
      speaking(true);
      synth.speak(utterance);
    });
    stop.addEventListener("click", function () {
      synth.cancel();
      speaking(false);
    });
    box.hidden = false;
  }

  function start() {
    // Voices load late in some browsers. Without a Chinese voice the words would be read
    // as gibberish (or not at all), so the buttons stay hidden.
    var boxes = document.querySelectorAll(".read-aloud");
    if (!boxes.length) return;
    var shown = false;
    var show = function () {
      if (shown || !chineseVoice()) return;
      shown = true;
      boxes.forEach(setup);
    };
    show();
    if (!shown && "onvoiceschanged" in synth) synth.addEventListener("voiceschanged", show);
  }

  window.addEventListener("pagehide", function () { synth.cancel(); });
  document.addEventListener("DOMContentLoaded", start);
})();
