/* The reports page is written as ES modules (admin/reports/); the console shell loads this classic script. */
import("/static/admin/reports/main.js").catch(function (e) {
  var box = document.getElementById("rep-error");
  if (box) { box.textContent = String(e); box.hidden = false; }
});
