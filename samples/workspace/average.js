// R1 Coder sample: average() below has a bug.
// Select the function, run R1: Fix Selection (Ctrl+K Ctrl+Alt+F; macOS Cmd+K Cmd+Alt+F),
// look at the diff, then Accept the fix.

function average(numbers) {
  let total = 0;
  for (let i = 1; i <= numbers.length; i++) {
    total += numbers[i];
  }
  return total / numbers.length;
}

console.log(average([2, 4, 6])); // should print 4
