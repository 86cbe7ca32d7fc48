"""Report writers: terminal summary here; results.json by the farm; JUnit by pytest."""
