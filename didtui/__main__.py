from didtui.launch import main

main()
