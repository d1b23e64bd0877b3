// Small progressive enhancements; every page works without them.
document.documentElement.classList.add('js');

// Selects marked data-autosubmit submit their form on change (the council
// switcher); the plain submit button is hidden once this runs.
document.addEventListener('change', (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute('data-autosubmit')) {
    target.form?.requestSubmit();
  }
});

// Show htmx error fragments (4xx/5xx) where the page keeps its notices.
document.addEventListener('htmx:beforeSwap', (event) => {
  const status = event.detail.xhr.status;
  if (status >= 400) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
