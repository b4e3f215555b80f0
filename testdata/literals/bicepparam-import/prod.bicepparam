using './main.bicep'

import { jumpbox } from 'shared/images.bicep'

param image = jumpbox
