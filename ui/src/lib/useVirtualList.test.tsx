import { describe, expect, it } from "vitest";
import { PAGE_ROWS, nextIndex } from "./useVirtualList";

describe("nextIndex", () => {
  it("moves by one, a page, or to either end, and stays inside the list", () => {
    expect(nextIndex("ArrowDown", 0, 10)).toBe(1);
    expect(nextIndex("ArrowDown", 9, 10)).toBe(9);
    expect(nextIndex("ArrowUp", 0, 10)).toBe(0);
    expect(nextIndex("ArrowUp", 5, 10)).toBe(4);
    expect(nextIndex("PageDown", 0, 100)).toBe(PAGE_ROWS);
    expect(nextIndex("PageDown", 95, 100)).toBe(99);
    expect(nextIndex("PageUp", 3, 100)).toBe(0);
    expect(nextIndex("Home", 42, 100)).toBe(0);
    expect(nextIndex("End", 0, 100)).toBe(99);
  });

  it("ignores other keys and handles an empty list", () => {
    expect(nextIndex("a", 3, 10)).toBeNull();
    expect(nextIndex("Enter", 3, 10)).toBeNull();
    expect(nextIndex("ArrowDown", 0, 0)).toBe(0);
    expect(nextIndex("End", 0, 0)).toBe(0);
  });
});
