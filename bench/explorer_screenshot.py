#!/usr/bin/python3
"""A screenshot of an explorer page with the pointer resting on one query pixel, as a person sees
it: headless Chromium through Selenium (Debian's chromium, chromium-driver, python3-selenium).

    bench/explorer_screenshot.py PAGE.html OUT.png [--at FY,FX] [--query N] [--size W,H]

FY, FX: the pointer's place as fractions of the query image's height and width (default 0.6,0.5);
N: the query chosen in the page's list (default: the first).
"""
import argparse
import os
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select


def pair(text):
    a, b = (float(v) for v in text.split(","))
    return a, b


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page")
    parser.add_argument("out")
    parser.add_argument("--at", type=pair, default=(0.6, 0.5))
    parser.add_argument("--query", type=int, default=0)
    parser.add_argument("--size", type=pair, default=(1400, 950))
    args = parser.parse_args()
    if not os.path.isfile(args.page):
        print(f"{args.page}: no such page", file=sys.stderr)
        return 2
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 f"--window-size={int(args.size[0])},{int(args.size[1])}",
                 f"--user-data-dir={tempfile.mkdtemp()}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get("file://" + os.path.abspath(args.page))
        if args.query:
            Select(driver.find_element(By.ID, "queries")).select_by_index(args.query)
        box = driver.find_element(By.ID, "query")
        fy, fx = args.at
        dx = round((fx - 0.5) * box.rect["width"])
        dy = round((fy - 0.5) * box.rect["height"])
        ActionChains(driver, duration=0).move_to_element_with_offset(box, dx, dy).perform()
        driver.save_screenshot(args.out + ".partial.png")
        os.replace(args.out + ".partial.png", args.out)
    finally:
        driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
