#!/usr/bin/env python3
"""Lists every test that did not pass in TestResults/*.trx, with the start of its message and stack.

scripts/test.sh prints this after its summary line, so the end of a CI log (often all that is kept) names the
failing tests instead of only counting them."""
import glob
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
MESSAGE_LINES = 12

found = 0
for path in sorted(glob.glob(sys.argv[1] + "/*.trx" if len(sys.argv) > 1 else "TestResults/*.trx")):
    for result in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", NS):
        outcome = result.get("outcome", "")
        if outcome in ("Passed", "NotExecuted"):
            continue
        found += 1
        print(f"{outcome.upper()}: {result.get('testName')} ({result.get('duration')})")
        for tag in ("Message", "StackTrace"):
            node = result.find(f".//t:ErrorInfo/t:{tag}", NS)
            if node is not None and node.text:
                for line in node.text.strip().splitlines()[:MESSAGE_LINES]:
                    print(f"    {line}")
if found:
    print(f"{found} test(s) did not pass; their output is in the TRX files under TestResults/.")
