// SPDX-License-Identifier: BSD-3-Clause
// The admin's hot-desking page (tests/pbx/admin_page.py): renders the PBX's view from its
// server-sent events (/admin/events, one "view" event per change), filters rows by
// extension, name or device, and sends the admin's forced logout with the session's
// CSRF token. Text goes in with textContent only: names come from phones and config.
"use strict";

(function () {
	const app = document.getElementById("app");
	if (!app || app.hidden) {
		return; // the sign-in form: nothing to run
	}
	const csrf = document.querySelector('meta[name="csrf-token"]').content;
	const tbody = document.querySelector("#devices tbody");
	const filter = document.getElementById("filter");
	const counts = document.getElementById("counts");
	const announce = document.getElementById("announce");
	const connection = document.getElementById("connection");
	const rows = new Map(); // MAC -> <tr>
	let previous = null;    // MAC -> device, of the last view
	let source = null;

	function el(tag, text, cls) {
		const e = document.createElement(tag);
		if (text !== undefined && text !== null) {
			e.textContent = text;
		}
		if (cls) {
			e.className = cls;
		}
		return e;
	}

	function person(u) {
		return u ? u.ext + " " + u.name : "";
	}

	function phoneReports(d) {
		if (d.reachable === false) {
			return {text: "unreachable (poll)", bad: true};
		}
		if (!d.phone_state) {
			return {text: "no report yet", bad: false};
		}
		const reg = d.registration || "unknown";
		return {text: d.phone_state + ", " + reg, bad: reg === "failed"};
	}

	// What waits: the phone's own report (an identity change deferred by a call), or the
	// admin's forced logout of this occupancy not yet done.
	function pending(d) {
		if (d.pending === "logout" || d.pending === "login") {
			const n = d.calls || 0;
			return {text: d.pending + " after the call" + (n === 1 ? "" : "s") + " (" + n + " up)", bad: false};
		}
		const a = d.admin_logout;
		if (a && d.state === "logged_in" && a.time >= d.since) {
			if (a.phone_answered === 202) {
				return {text: "logout requested " + a.time.slice(11, 19), bad: false};
			}
			return {text: "logout failed: " + (a.phone_answered ? "phone answered " + a.phone_answered : "phone unreachable"), bad: true};
		}
		return {text: "", bad: false};
	}

	function matches(tr, q) {
		return q === "" || tr.dataset.search.indexOf(q) !== -1;
	}

	function makeRow(mac) {
		const tr = el("tr");
		tr.dataset.mac = mac;
		tr.appendChild(el("th")).scope = "row";
		tr.appendChild(el("td", mac, "mac"));
		tr.appendChild(el("td", "", "person"));
		tr.appendChild(el("td", "", "since"));
		tr.appendChild(el("td", "", "reports"));
		tr.appendChild(el("td", "", "pending"));
		const action = tr.appendChild(el("td", "", "action"));
		const b = action.appendChild(el("button", "Logout"));
		b.type = "button";
		b.addEventListener("click", function () {
			logout(tr, b);
		});
		return tr;
	}

	function fillRow(tr, d) {
		const c = tr.children;
		c[0].textContent = d.pool_ext;
		const who = d.user ? person(d.user) : "idle";
		c[2].textContent = who;
		c[3].textContent = d.since.replace("T", " ").replace("Z", "");
		const rep = phoneReports(d);
		c[4].textContent = rep.text;
		c[4].classList.toggle("bad", rep.bad);
		const p = pending(d);
		c[5].textContent = p.text;
		c[5].classList.toggle("bad", p.bad);
		const b = c[6].firstChild;
		if (!d.user && document.activeElement === b) {
			c[0].tabIndex = -1; // the button goes away: keep the keyboard on this row
			c[0].focus();
		}
		b.hidden = !d.user;
		b.setAttribute("aria-label", "Logout " + (d.user ? person(d.user) : "") + " from " + d.pool_ext);
		tr.classList.toggle("idle", !d.user);
		tr.dataset.search = [d.pool_ext, d.mac, d.user ? d.user.ext : "", d.user ? d.user.name : ""].join("\n").toLowerCase();
	}

	function applyFilter() {
		const q = filter.value.trim().toLowerCase();
		let total = 0, inUse = 0, shown = 0;
		for (const tr of rows.values()) {
			total++;
			if (!tr.classList.contains("idle")) {
				inUse++;
			}
			const show = matches(tr, q);
			if (!show && tr.contains(document.activeElement)) {
				filter.focus(); // the row leaves the filtered list: back to the filter
			}
			tr.hidden = !show;
			if (show) {
				shown++;
			}
		}
		let text = total + " device" + (total === 1 ? "" : "s") + ", " + inUse + " in use";
		if (q !== "") {
			text += "; " + shown + " shown";
		}
		if (counts.textContent !== text) { // a live region: say it only when it changes
			counts.textContent = text;
		}
	}

	function say(text) {
		announce.textContent = text;
	}

	function changes(devices) {
		if (previous === null) {
			return [];
		}
		const out = [];
		for (const d of devices) {
			const was = previous.get(d.mac);
			if (!was || person(was.user) !== person(d.user)) {
				out.push(d.pool_ext + ": " + (d.user ? person(d.user) + " logged in" : "idle"));
			}
		}
		return out;
	}

	function renderDevices(devices) {
		const seen = new Set();
		const said = changes(devices);
		devices.forEach(function (d, i) {
			let tr = rows.get(d.mac);
			const before = tr ? tr.dataset.search : null;
			if (!tr) {
				tr = makeRow(d.mac);
				rows.set(d.mac, tr);
			}
			fillRow(tr, d);
			if (tbody.children[i] !== tr) {
				tbody.insertBefore(tr, tbody.children[i] || null);
			}
			if (before !== null && before !== tr.dataset.search) {
				tr.classList.remove("changed");
				void tr.offsetWidth; // restart the highlight
				tr.classList.add("changed");
			}
			seen.add(d.mac);
		});
		for (const [mac, tr] of rows) {
			if (!seen.has(mac)) {
				tr.remove();
				rows.delete(mac);
			}
		}
		previous = new Map(devices.map(function (d) {
			return [d.mac, d];
		}));
		applyFilter();
		if (said.length > 0) {
			say(said.length <= 3 ? said.join("; ") : said.length + " devices changed");
		}
	}

	function renderList(id, items, cells) {
		const body = document.querySelector("#" + id + " tbody");
		body.replaceChildren();
		for (const it of items) {
			const tr = el("tr");
			cells(it).forEach(function (t) {
				tr.appendChild(el("td", t));
			});
			body.appendChild(tr);
		}
		document.getElementById(id).hidden = items.length === 0;
		document.getElementById(id + "-none").hidden = items.length !== 0;
	}

	function where(loc) {
		return ["ROOM", "FLR", "BLD", "HNO", "RD", "A3", "country"].map(function (k) {
			return loc[k] ? k + " " + loc[k] : "";
		}).filter(Boolean).join(", ");
	}

	function render(view) {
		renderDevices(view.devices);
		renderList("locked", view.locked, function (l) {
			return [l.ext, l.name, l.until.replace("T", " ").replace("Z", "")];
		});
		renderList("emergency", view.emergency_calls, function (e) {
			return [e.time.replace("T", " ").replace("Z", ""), e.number, e.pool_ext + " (" + e.mac + ")",
				e.occupant ? person(e.occupant) : "nobody", where(e.location), e.callback];
		});
	}

	async function logout(tr, button) {
		if (button.getAttribute("aria-busy") === "true") {
			return;
		}
		const mac = tr.dataset.mac;
		const what = tr.children[0].textContent + " (" + tr.children[2].textContent + ")";
		button.setAttribute("aria-busy", "true");
		say("Logging out " + what + "...");
		try {
			const r = await fetch("/api/v1/admin/devices/" + encodeURIComponent(mac) + "/logout", {
				method: "POST", credentials: "same-origin", headers: {"X-CSRF-Token": csrf}});
			if (r.status === 401) {
				window.location.reload(); // the session ended: the sign-in form
				return;
			}
			const body = await r.json().catch(function () {
				return {};
			});
			say(r.ok ? "Logout of " + what + " sent; the phone accepted it" :
				"Logout of " + what + " failed: " + (body.phone_answered ? "the phone answered " + body.phone_answered :
					body.phone_answered === 0 ? "the phone is unreachable" :
					body.message || "HTTP " + r.status));
		} catch (e) {
			say("Logout of " + what + " failed: the PBX did not answer");
		} finally {
			button.removeAttribute("aria-busy");
		}
	}

	function connect() {
		source = new EventSource("/admin/events");
		source.addEventListener("view", function (ev) {
			connection.textContent = "Live: updates as phones report";
			connection.classList.remove("down");
			render(JSON.parse(ev.data));
		});
		source.addEventListener("error", function () {
			connection.textContent = "Connection to the PBX lost; reconnecting...";
			connection.classList.add("down");
			if (source.readyState === EventSource.CLOSED) {
				// refused (e.g. the session ended) or the PBX restarted: ask why, then retry
				setTimeout(function () {
					fetch("/api/v1/admin/devices", {credentials: "same-origin"}).then(function (r) {
						if (r.status === 401) {
							window.location.reload();
						} else {
							connect();
						}
					}, function () {
						connect();
					});
				}, 2000);
			}
		});
	}

	filter.addEventListener("input", applyFilter);
	connect();
})();
