// Émargement: a signature pad on a <canvas> (finger, stylus or mouse) that keeps a PNG
// data URL in the form's hidden field, and the trainer's QR code that refreshes itself.
(function () {
  "use strict";

  function setupPad(box) {
    var canvas = box.querySelector("canvas");
    var field = box.querySelector("input[name=signature]");
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var last = null;
    var inked = false;

    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#10203c";
    canvas.style.touchAction = "none";

    function point(clientX, clientY) {
      var rect = canvas.getBoundingClientRect();
      return {
        x: ((clientX - rect.left) * canvas.width) / rect.width,
        y: ((clientY - rect.top) * canvas.height) / rect.height,
      };
    }
    function start(p) {
      drawing = true;
      last = p;
      ctx.beginPath();
      ctx.arc(p.x, p.y, ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
      inked = true;
    }
    function move(p) {
      if (!drawing) { return; }
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
    }
    function end() {
      if (!drawing) { return; }
      drawing = false;
      field.value = inked ? canvas.toDataURL("image/png") : "";
    }

    if (window.PointerEvent) {
      canvas.addEventListener("pointerdown", function (e) {
        e.preventDefault();
        if (canvas.setPointerCapture) { canvas.setPointerCapture(e.pointerId); }
        start(point(e.clientX, e.clientY));
      });
      canvas.addEventListener("pointermove", function (e) { move(point(e.clientX, e.clientY)); });
      canvas.addEventListener("pointerup", end);
      canvas.addEventListener("pointercancel", end);
    } else {
      canvas.addEventListener("mousedown", function (e) { start(point(e.clientX, e.clientY)); });
      canvas.addEventListener("mousemove", function (e) { move(point(e.clientX, e.clientY)); });
      window.addEventListener("mouseup", end);
      canvas.addEventListener("touchstart", function (e) {
        e.preventDefault();
        var t = e.touches[0];
        start(point(t.clientX, t.clientY));
      });
      canvas.addEventListener("touchmove", function (e) {
        e.preventDefault();
        var t = e.touches[0];
        move(point(t.clientX, t.clientY));
      });
      canvas.addEventListener("touchend", end);
    }

    var clear = box.querySelector("[data-signature-clear]");
    if (clear) {
      clear.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        field.value = "";
        inked = false;
      });
    }
    var form = box.closest("form");
    if (form) {
      form.addEventListener("submit", function (e) {
        if (!field.value) {
          e.preventDefault();
          alert("Dessinez votre signature dans le cadre avant de valider.");
        }
      });
    }
  }

  // The trainer's QR code: ask for the current one when the displayed one is about to change.
  function followQr(box) {
    var url = box.getAttribute("data-qr-refresh");
    var image = box.querySelector(".qr-image");
    var left = box.querySelector(".qr-left");
    var seconds = parseInt(box.getAttribute("data-seconds-left"), 10) || 30;
    function countdown() {
      if (left) { left.textContent = "(" + seconds + " s)"; }
    }
    function refresh() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (qr) {
          if (!qr.open) { window.location.reload(); return; }
          image.innerHTML = qr.svg;
          seconds = qr.seconds_left;
          countdown();
        })
        .catch(function () { seconds = 3; });
    }
    countdown();
    setInterval(function () {
      seconds -= 1;
      if (seconds <= 0) { seconds = 30; refresh(); }
      countdown();
    }, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-signature-pad]").forEach(setupPad);
    document.querySelectorAll("[data-qr-refresh]").forEach(followQr);
  });
})();
