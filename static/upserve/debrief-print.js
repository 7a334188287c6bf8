// The debrief pages' print button: the browser's own print dialog, which also saves a PDF.
export function wirePrint(before = () => {}) {
  const button = document.getElementById("print");
  if (!button) return;
  button.addEventListener("click", () => {
    before();
    window.print();
  });
}

wirePrint();
