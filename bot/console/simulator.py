"""The simulator page (/console/simulator): talk to Steady as a sandboxed test number, as `steady chat` does. Owned by console-sim."""
