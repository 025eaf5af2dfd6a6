// Drag and drop onto the wallet's import form: a file dropped on the drop
// zone (or anywhere on the page) is put in the form's file input and the
// form is sent. Without this script the file input works as is.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  var zone = document.getElementById("dropzone");
  var input = document.getElementById("import-file");
  if (!form || !zone || !input) {
    return;
  }
  var text = zone.querySelector(".droptext");
  // The page's language: the zone carries the messages, {name} for the
  // file's name.
  function say(key, name) {
    return (zone.getAttribute("data-" + key) || "").split("{name}").join(name);
  }
  function hasFiles(e) {
    var t = e.dataTransfer && e.dataTransfer.types;
    return t && Array.prototype.indexOf.call(t, "Files") >= 0;
  }
  function over(e) {
    if (!hasFiles(e)) {
      return;
    }
    e.preventDefault();
    zone.classList.add("over");
  }
  function leave() {
    zone.classList.remove("over");
  }
  function drop(e) {
    if (!hasFiles(e)) {
      return;
    }
    e.preventDefault();
    leave();
    var files = e.dataTransfer.files;
    if (!files || files.length === 0) {
      return;
    }
    if (files.length > 1 && text) {
      text.textContent = say("one", files[0].name);
    }
    var dt = new DataTransfer();
    dt.items.add(files[0]);
    input.files = dt.files;
    if (text) {
      text.textContent = say("adding", files[0].name);
    }
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }
  document.addEventListener("dragover", over);
  document.addEventListener("dragleave", function (e) {
    if (e.target === document.documentElement || e.target === zone) {
      leave();
    }
  });
  document.addEventListener("drop", drop);
  input.addEventListener("change", function () {
    if (input.files && input.files.length > 0 && text) {
      text.textContent = say("chosen", input.files[0].name);
    }
  });
})();
