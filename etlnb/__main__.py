from etlnb.cli import main

raise SystemExit(main())
