from didtui.cli import main

main()
