// Progressive enhancement only: every page works without JavaScript.
(function () {
  "use strict";

  // Progress of a background job: poll its state until it finishes, then reload.
  function followJob(box) {
    var url = box.getAttribute("data-job-status");
    var bar = box.querySelector("progress");
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          bar.value = s.percent;
          bar.textContent = s.percent + " %";
          box.querySelector(".job-state").textContent = s.state_label;
          var label = box.querySelector(".job-label");
          if (label) { label.textContent = s.label; }
          box.querySelector(".job-count").textContent = s.total ? s.done + " / " + s.total : "";
          if (s.finished) { window.location.reload(); } else { setTimeout(tick, 700); }
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    if (box.getAttribute("data-reload-when-finished") === "yes") { setTimeout(tick, 400); }
  }

  // Upload progress for large files: send the form with XHR and show the bytes sent.
  function uploadWithProgress(form) {
    form.addEventListener("submit", function (event) {
      var input = form.querySelector("input[type=file]");
      if (!input || !input.files.length || !window.FormData) { return; }
      event.preventDefault();
      var bar = form.querySelector("progress.upload");
      var note = form.querySelector(".upload-note");
      var max = parseInt(form.getAttribute("data-max-bytes") || "0", 10);
      if (max && input.files[0].size > max) {  // the server would refuse it unread
        note.textContent = form.getAttribute("data-too-big") || "";
        return;
      }
      bar.hidden = false;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round((100 * e.loaded) / e.total);
          note.textContent = "Envoi du fichier : " + bar.value + " %";
        }
      };
      xhr.onload = function () {
        if (xhr.responseURL && xhr.responseURL !== window.location.href) {
          window.location.assign(xhr.responseURL);
        } else {
          document.open(); document.write(xhr.responseText); document.close();
        }
      };
      xhr.onerror = function () { note.textContent = "L'envoi a échoué : vérifiez la connexion et réessayez."; };
      xhr.send(new FormData(form));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-job-status]").forEach(followJob);
    document.querySelectorAll("form[data-upload-progress]").forEach(uploadWithProgress);
  });
})();
