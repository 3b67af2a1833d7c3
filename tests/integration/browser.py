# SPDX-License-Identifier: BSD-3-Clause
"""Debian's Chromium, headless, driven by python3-selenium through chromium-driver (all
three from scripts/bootstrap), for tests of the PBX's admin page and the fleet bench's
screenshots. Debian's /usr/bin/python3 has selenium; pyenv's interpreters do not.

    with Browser(cert=server_crt) as b:
        b.driver.get("https://127.0.0.1:PORT/admin/hotdesk")

    screenshot("https://127.0.0.1:PORT/admin/hotdesk", "docs/x.png", cert=server_crt,
               before=lambda driver: sign_in(driver, url, token))

Certificates: Chromium trusts the server whose certificate is `cert` by its public key
(--ignore-certificate-errors-spki-list, honoured only with its own --user-data-dir), not
every certificate; the page stays a secure context, so its Secure cookie behaves as on a
real PBX. Every process is in one process group, killed on quit() even when the driver is
gone; the profile directory is removed.
"""

import base64
import hashlib
import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import time

CHROMIUM = os.environ.get("HOTDESK_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("HOTDESK_CHROMEDRIVER", "/usr/bin/chromedriver")

# Chromium as root in a container, with nothing phoning home.
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-dev-shm-usage", "--disable-extensions",
         "--disable-default-apps", "--password-store=basic", "--use-mock-keychain")


def spki_sha256(cert_path):
    """base64(SHA-256(SubjectPublicKeyInfo)) of a PEM certificate, as Chromium's
    --ignore-certificate-errors-spki-list wants it."""
    with open(cert_path) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    spki = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-pubkey"],
                          input=der, capture_output=True, check=True).stdout
    der_key = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=spki,
                             capture_output=True, check=True).stdout
    return base64.b64encode(hashlib.sha256(der_key).digest()).decode()


class Browser:
    def __init__(self, cert=None, width=1280, height=900):
        self.cert, self.width, self.height = cert, width, height
        self.driver = None
        self.service = None
        self.dir = None

    def start(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        self.dir = tempfile.mkdtemp(prefix="hotdesk-chromium-")
        try:
            opts = webdriver.ChromeOptions()
            opts.binary_location = CHROMIUM
            for flag in FLAGS:
                opts.add_argument(flag)
            opts.add_argument("--user-data-dir=" + os.path.join(self.dir, "profile"))
            opts.add_argument("--window-size=%d,%d" % (self.width, self.height))
            if self.cert:
                opts.add_argument("--ignore-certificate-errors-spki-list=" +
                                  spki_sha256(self.cert))
            # its own session: quit() kills the whole group, chromium's helpers too. No
            # log: chromedriver's would hold every key typed, the admin token too.
            self.service = Service(CHROMEDRIVER, log_path=os.devnull,
                                   popen_kw={"start_new_session": True})
            self.driver = webdriver.Chrome(service=self.service, options=opts)
        except BaseException:
            self.quit()
            raise
        return self

    def quit(self):
        if self.driver is not None:
            try:
                self.driver.quit()
            except Exception:  # a dead driver: the group kill below ends it
                pass
            self.driver = None
        proc = getattr(self.service, "process", None) if self.service else None
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the group chromedriver leads
            except ProcessLookupError:
                pass
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
            self._wait_group_gone(proc.pid)
        self.service = None
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    @staticmethod
    def _wait_group_gone(pgid, timeout=5.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.quit()


def screenshot(url, path, cert=None, width=1280, height=900, before=None, full_page=False):
    """A PNG of `url` in `path`. `before(driver)` runs first (e.g. signs in, waits for
    the page to fill); full_page grows the window to the page's height first."""
    with Browser(cert=cert, width=width, height=height) as b:
        if before is not None:
            before(b.driver)
        else:
            b.driver.get(url)
        if full_page:
            h = b.driver.execute_script("return document.documentElement.scrollHeight")
            b.driver.set_window_size(width, max(height, int(h) + 100))
        b.driver.save_screenshot(path)
    return path
