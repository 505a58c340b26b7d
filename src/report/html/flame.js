"use strict";
// Zoom and hover for the report's flame graphs (inferno's SVG, drawn
// without its own script). Click a frame to zoom to it, "Reset Zoom" to
// go back; hovering shows the frame's counts.
(function () {
  var CHAR = 12 * 0.59;
  function num(el, name) {
    return parseFloat(el.getAttribute(name)) || 0;
  }
  function nameOf(g) {
    var t = g.querySelector("title");
    var s = t ? t.textContent : "";
    var i = s.lastIndexOf(" (");
    return i > 0 ? s.slice(0, i) : s;
  }
  function label(text, name, px) {
    var fit = Math.floor(px / CHAR);
    text.textContent = fit < 3 ? "" : name.length <= fit ? name : name.slice(0, fit - 2) + "..";
  }
  Array.prototype.forEach.call(document.querySelectorAll("svg.flame"), function (svg) {
    var prefix = svg.getAttribute("data-flame");
    var frames = document.getElementById(prefix + "-frames");
    var details = document.getElementById(prefix + "-details");
    var unzoom = document.getElementById(prefix + "-unzoom");
    if (!frames) return;
    var width = num(frames, "width");
    var groups = Array.prototype.slice.call(frames.querySelectorAll("g"));
    var root = null;
    groups.forEach(function (g) {
      var r = g.querySelector("rect");
      var best = root && root.querySelector("rect");
      if (r && (!best || num(r, "fg:w") > num(best, "fg:w") ||
          (num(r, "fg:w") === num(best, "fg:w") && num(r, "y") > num(best, "y")))) {
        root = g;
      }
    });
    if (!root) return;
    function zoom(target) {
      var r = target.querySelector("rect");
      var x = num(r, "fg:x"), w = num(r, "fg:w") || 1, y = num(r, "y");
      groups.forEach(function (g) {
        var gr = g.querySelector("rect"), text = g.querySelector("text");
        if (!gr) return;
        var gx = num(gr, "fg:x"), gw = num(gr, "fg:w"), gy = num(gr, "y");
        var px, pw;
        g.classList.remove("hide");
        g.classList.remove("parent");
        if (gx + gw <= x || gx >= x + w) {
          g.classList.add("hide");
          return;
        }
        if (gy > y) {
          g.classList.add("parent");
          px = 0;
          pw = 100;
        } else {
          px = (gx - x) / w * 100;
          pw = gw / w * 100;
        }
        gr.setAttribute("x", px.toFixed(4) + "%");
        gr.setAttribute("width", pw.toFixed(4) + "%");
        if (text) {
          text.setAttribute("x", (px + 0.25).toFixed(4) + "%");
          label(text, nameOf(g), pw / 100 * width);
        }
      });
      if (unzoom) {
        if (target === root) unzoom.classList.add("hide");
        else unzoom.classList.remove("hide");
      }
    }
    svg.addEventListener("click", function (e) {
      var el = e.target;
      if (unzoom && (el === unzoom || unzoom.contains(el))) {
        zoom(root);
        return;
      }
      var g = el.closest ? el.closest("g") : null;
      if (g && frames.contains(g)) zoom(g);
    });
    svg.addEventListener("mouseover", function (e) {
      var g = e.target.closest ? e.target.closest("g") : null;
      var t = g && frames.contains(g) ? g.querySelector("title") : null;
      if (details && t) details.textContent = t.textContent;
    });
    svg.addEventListener("mouseleave", function () {
      if (details) details.textContent = " ";
    });
    svg.classList.add("zoomable");
  });
})();
