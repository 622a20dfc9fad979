from readerfund.cli import main

main()
