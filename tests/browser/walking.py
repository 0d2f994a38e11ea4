"""Walking a checklist on the phone as a person does, for the browser tests.

Taps are Playwright clicks and checks (each scrolls its target into view as a finger
would have to); a photo is `set_input_files` on the item's 拍照 input; the signature is
drawn with touch events on the pad.
"""

from __future__ import annotations


def card(page, text: str):
    return page.locator(".item-card", has=page.locator("[data-text]", has_text=text))


def answer(page, text: str, result: str):
    c = card(page, text)
    c.get_by_role("radio", name=result, exact=True).click()
    return c


def photograph(c, path) -> None:
    c.locator("[data-photos='before'] input[type=file]").set_input_files(path)
    n = len(path) if isinstance(path, list) else 1
    c.locator("[data-photos='before'] img").nth(n - 1).wait_for()


def pass_rest(page) -> list[str]:
    """本部分其余全部符合, confirmed; returns the items the confirmation listed."""
    page.get_by_role("button", name="全部符合").first.click()
    dialog = page.locator("[data-rest-dialog]")
    dialog.wait_for()
    listed = dialog.locator("li").all_inner_texts()
    dialog.get_by_role("button", name="确认全部符合").click()
    dialog.wait_for(state="hidden")
    return listed


def walk_all(page, total: int, fails: dict[str, str | list[str]] | None = None) -> None:
    """Answer every open item: 不符合 with photos for the items whose text holds a key of `fails` (→ photo path or
    paths), else 符合; the walk moves on by itself, and 下一部分 is tapped when a section is done."""
    fails = fails or {}
    progress = page.locator("[data-progress-text]")
    for _ in range(4 * total):
        done = int(progress.inner_text().split()[1])  # 已检查 N / T 项
        if done == total:
            return
        open_card = page.locator(".item-card:not([data-result])").first
        if not open_card.count():
            page.get_by_role("button", name="下一部分").click()
            continue
        text = open_card.locator("[data-text]").inner_text()
        shot = next((path for key, path in fails.items() if key in text), None)
        if shot:
            open_card.get_by_role("radio", name="不符合", exact=True).click()
            photograph(
                page.locator(".item-card", has=page.locator("[data-text]", has_text=text)), shot
            )
        else:
            open_card.get_by_role("radio", name="符合", exact=True).click()
        progress.filter(has_text=f"已检查 {done + 1} / {total} 项").wait_for()
    raise AssertionError("the walk did not end")


def draw_signature(page) -> None:
    """Sign on the pad with a finger (touch events), and wait until the phone kept the image."""
    pad = page.locator("[data-sign-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.15, box["y"] + box["height"] * 0.6
    cdp = page.context.new_cdp_session(page)
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]}
    )
    for i in range(1, 25):
        x = x0 + box["width"] * 0.7 * i / 24
        y = y0 - box["height"] * 0.3 * (1 if i % 4 < 2 else -0.2)
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()
    page.locator("[data-sign-state]").filter(has_text="已签名").wait_for()


def finish(
    page, *, refuse: str | None = None, signer: str | None = None, located: bool = False
) -> None:
    """完成检查: sign (or record a refusal), wait for the position if `located`, then tap 提交检查结果."""
    page.get_by_role("button", name="完成检查").click()
    page.locator("[data-finish]").wait_for()
    if located:
        page.locator("[data-location]").filter(has_text="已定位").wait_for()
    if refuse:
        page.get_by_label("拒绝签名或无法签名").check()
        page.get_by_label("原因（必填）").fill(refuse)
    else:
        draw_signature(page)
        if signer:
            page.get_by_label("签名人姓名（可选）").fill(signer)
    page.get_by_role("button", name="提交检查结果").click()
