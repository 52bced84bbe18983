// Starts Swagger UI on /docs over the service's own /openapi.yaml. Kept in a file (not an
// inline script) so the page's Content-Security-Policy can forbid inline script entirely.

function start() {
  const root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    // Relative: resolved against this page, so a path prefix in front of the service works.
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    // The public validator badge would call another origin: the CSP forbids it, so turn it off.
    validatorUrl: null,
    tryItOutEnabled: false,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 1,
    syntaxHighlight: { activated: true, theme: "agate" },
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
}

if (typeof window.SwaggerUIBundle === "function") {
  start();
} else {
  window.addEventListener("DOMContentLoaded", start, { once: true });
}
