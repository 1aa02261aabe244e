/* E-dziennik service worker: shows pushes and opens the register when one is tapped. */
"use strict";

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var title = data.title || "E-dziennik";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    tag: data.tag || "e-dziennik",
    icon: "/static/notifications/icon.svg",
    data: {url: data.url || "/", stop: data.stop || ""},
    actions: data.stop ? [{action: "stop", title: data.stopLabel || "Stop"}] : []
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = event.action === "stop" ? event.notification.data.stop : event.notification.data.url;
  var url = new URL(target || "/", self.location.origin);
  if (url.origin !== self.location.origin) { url = new URL("/", self.location.origin); }
  event.waitUntil(self.clients.openWindow(url.href));
});
