// Starts Swagger UI for the page that scopegate's api package serves. The
// page passes the relative URLs of the OpenAPI document and of the OAuth2
// redirect page in data attributes. They are resolved here against the
// page's own URL, so the page keeps working behind a proxy that adds a
// path prefix. This file exists so that the page needs no inline script
// and can be served with a Content-Security-Policy of script-src 'self'.
"use strict";

(function () {
  var root = document.getElementById("swagger-ui");

  function absolute(relative) {
    return new URL(relative, window.location.href).href;
  }

  var ui = SwaggerUIBundle({
    url: absolute(root.dataset.openapiUrl),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    deepLinking: true,
    // Only the implicit and authorization code flows return through this
    // page. The password flow posts to the scheme's tokenUrl directly.
    oauth2RedirectUrl: absolute(root.dataset.oauth2RedirectUrl),
    // Keep tokens out of localStorage, so a reload drops them.
    persistAuthorization: false,
    // The default validator badge would load an image from
    // validator.swagger.io.
    validatorUrl: null,
    // Ignore ?url= and ?configUrl= in the page's URL, which would make the
    // page load a document or a configuration from elsewhere.
    queryConfigEnabled: false,
    withCredentials: false
  });

  ui.initOAuth({
    clientId: root.dataset.clientId,
    scopeSeparator: " ",
    usePkceWithAuthorizationCodeGrant: true
  });

  window.ui = ui;
})();
