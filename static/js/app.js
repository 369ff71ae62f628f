// Progressive enhancement only: every form also works with scripts off.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // The wait comes from the server (the page's data-countdown, the JSON's wait); the live
  // region hears it twice, at the start and at the end, not every second.
  function startCountdown(button, seconds) {
    var label = "获取验证码";
    var left = seconds;
    var announce = document.getElementById(button.getAttribute("data-announce"));
    var say = function (text) { if (announce) announce.textContent = text; };
    button.disabled = true;
    button.textContent = left + "秒后重新获取";
    say("请" + left + "秒后再重新获取验证码。");
    var timer = setInterval(function () {
      left -= 1;
      if (left <= 0) {
        clearInterval(timer);
        button.disabled = false;
        button.textContent = label;
        say("现在可以重新获取验证码。");
      } else {
        button.textContent = left + "秒后重新获取";
      }
    }, 1000);
  }

  // The challenge after many codes from one address (accounts/challenge.py): find a number
  // whose SHA-256 with the token starts with `bits` zero bits. A few thousand hashes.
  function solveChallenge(token, bits) {
    if (!(window.crypto && crypto.subtle && window.TextEncoder)) return Promise.reject();
    var encoder = new TextEncoder();
    var next = 0;
    function good(buffer) {
      var bytes = new Uint8Array(buffer);
      var whole = bits >> 3, rest = bits & 7;
      for (var i = 0; i < whole; i++) if (bytes[i] !== 0) return false;
      return rest === 0 || (bytes[whole] >> (8 - rest)) === 0;
    }
    function batch() {
      var tries = [];
      for (var k = 0; k < 256; k++) tries.push(crypto.subtle.digest("SHA-256", encoder.encode(token + ":" + (next + k))));
      return Promise.all(tries).then(function (digests) {
        for (var k = 0; k < digests.length; k++) if (good(digests[k])) return String(next + k);
        next += 256;
        return next > 4000000 ? Promise.reject() : batch();
      });
    }
    return batch();
  }

  function setupSendCode(button) {
    // Without scripts this button submits the form; with them it must not be the form's
    // default button, or Enter in a field (the phone keyboard's 前往) sends another code
    // instead of submitting.
    button.type = "button";
    var initial = parseInt(button.getAttribute("data-countdown") || "0", 10);
    if (initial > 0) startCountdown(button, initial);
    var status = document.getElementById(button.getAttribute("aria-describedby"));
    var codeInput = button.parentNode.querySelector("input");
    button.addEventListener("click", function (event) {
      event.preventDefault();
      if (button.disabled) return;
      var form = button.form;
      var body = new FormData();
      body.append("csrfmiddlewaretoken", csrfToken(form));
      var phoneId = button.getAttribute("data-phone-input");
      if (phoneId) {
        var phone = document.getElementById(phoneId);
        body.append("phone", phone ? phone.value : "");
      }
      // A sum typed into a challenge the page shows (scripts were off when it came) goes too.
      var shownToken = form.querySelector("input[name=challenge_token]");
      var shownAnswer = form.querySelector("input[name=challenge_answer]");
      if (shownToken && shownAnswer && shownAnswer.value) {
        body.append("challenge_token", shownToken.value);
        body.append("challenge_answer", shownAnswer.value);
      }
      button.disabled = true;
      var ask = function (payload) {
        return fetch(button.getAttribute("data-url"), {
          method: "POST", body: payload, credentials: "same-origin",
          headers: {"Accept": "application/json", "X-CSRFToken": csrfToken(form)}
        }).then(function (response) {
          return response.json().catch(function () {
            return {sent: false, message: response.status === 429 ? "操作太频繁，请稍后再试。" : "发送失败，请稍后再试。"};
          });
        });
      };
      ask(body).then(function (data) {
        if (data.sent || !data.challenge) return data;
        if (status) status.textContent = "正在验证，请稍候……";
        return solveChallenge(data.challenge.token, data.challenge.bits).then(function (answer) {
          body.set("challenge_token", data.challenge.token);
          body.set("challenge_answer", answer);
          return ask(body);
        }, function () {
          // No Web Crypto here: let the page ask the plain question instead.
          var action = document.createElement("input");
          action.type = "hidden"; action.name = "action"; action.value = "send_code";
          form.appendChild(action);
          form.submit();
          return data;
        });
      }).then(function (data) {
        if (status) {
          status.textContent = data.message || "";
          status.classList.toggle("field-error", !data.sent);
        }
        if (data.sent) {
          startCountdown(button, data.wait || parseInt(button.getAttribute("data-resend") || "0", 10));
          // The disabled button would drop keyboard focus; the code is what comes next.
          if (codeInput && document.activeElement !== codeInput) codeInput.focus();
        } else {
          button.disabled = false;
        }
      }).catch(function () {
        if (status) { status.textContent = "网络异常，请检查网络后重试。"; status.classList.add("field-error"); }
        button.disabled = false;
      });
    });
  }

  // A button that stays disabled until a named checkbox is ticked (the 告知书).
  function setupRequiresCheck(button) {
    var box = document.getElementById(button.getAttribute("data-requires-check"));
    if (!box) return;
    var sync = function () { button.disabled = !box.checked; };
    box.addEventListener("change", sync);
    sync();
  }

  function setupSelectAll(box) {
    box.addEventListener("change", function () {
      var name = box.getAttribute("data-select-all");
      document.querySelectorAll("input[type=checkbox][name='" + name + "']").forEach(function (cb) {
        if (!cb.disabled) cb.checked = box.checked;
      });
    });
  }

  // The 多元业务 menu (<details>): Escape or a click elsewhere closes it.
  function setupMenu(menu) {
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button.send-code").forEach(setupSendCode);
    document.querySelectorAll("[data-requires-check]").forEach(setupRequiresCheck);
    document.querySelectorAll("[data-select-all]").forEach(setupSelectAll);
    document.querySelectorAll("details.menu").forEach(setupMenu);
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
      });
    });
  });
})();
