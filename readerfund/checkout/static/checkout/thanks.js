/* readerfund checkout: a "copy" button for the bank-transfer reference (shown only with JS). */
(() => {
  "use strict";
  const button = document.getElementById("copy-reference");
  if (!button || !navigator.clipboard) return;
  const target = document.getElementById(button.dataset.copyTarget);
  const status = button.parentElement.querySelector(".copy__status");
  button.parentElement.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(target.textContent.trim());
      status.textContent = button.dataset.copied;
    } catch {
      const range = document.createRange();
      range.selectNodeContents(target);
      const selection = getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
    }
  });
})();
