/** Shared real-world fixtures (root DNSKEY RRset as served by the root servers in May 2026). */
import {parseSigTime} from '../../../src/lib/dns/zonefile.js'
import {zone} from './helpers.js'

// The root DNSKEY RRset as served in May 2026 (RSA/SHA-256, signed by KSK-2017).
export const ROOT_DNSKEYS_2026 = zone(`
  . 172800 IN DNSKEY 257 3 8 ( AwEAAa96jeuknZlaeSrvyAJj6ZHv28hhOKkx3rLGXVaC6rXTsDc449/cidltpkyGwCJNnOAlFNKF
    2jBosZBU5eeHspaQWOmOElZsjICMQMC3aeHbGiShvZsx4wMYSjH8e7Vrhbu6irwCzVBApESjbUdp
    WWmEnhathWu1jo+siFUiRAAxm9qyJNg/wOZqqzL/dL/q8PkcRU5oUKEpUge71M3ej2/7CPqpdVwu
    MoTvoB+ZOT4YeGyxMvHmbrxlFzGOHOijtzN+u1TQNatX2XBuzZNQ1K+s2CXkPIZo7s6JgZyvaBev
    YtxPvYLw4z9mR7K2vaF18UYH9Z9GNUUeayffKC73PYc= )
  . 172800 IN DNSKEY 257 3 8 ( AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlE
    xOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgC
    mr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+
    SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnX
    GXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU= )
  . 172800 IN DNSKEY 256 3 8 ( AwEAAb5dDYffpgAJ8VUGLwQtWXPlQWsjIFJtCM00/XaKU+8ln+ofah3q2KxEIjvzQg+nqdxRj+8e
    mtPne1mtYcbFWP4Q9E+DniOJLK09R05FuzvGbrG7DDdRDUX/cedFdV7O8pFEAYpJqYNR9BCTIAV9
    73DO2biauKSA31b7I2lK/woxoR1tf5cqJ4SMbJUviuHicAEoUi2ATswloZNWd5T5thmEFZnxFx7D
    5UgKCY7oflS7+GU7dNJwEtmFnWYVETHN0kHXVz6aguouaAZp706YXNIoR/iTgQhmsR7XX+wL0Z8Q
    M2LxQIyU6vRZ06IyuJMGRMiwkSuGElbumyBt12JZbrU= )
  . 172800 IN RRSIG DNSKEY 8 0 172800 ( 20260522000000 20260501000000 20326 .
    XC4YzJpuixXq5eF9t9OXXvrNtB0+0gs/MO3lX+JodZefuAr2U4nez+6R/I9QRfgJqwfCotzoE8AL
    UikNxpFUw+hfd4bEMId+6iYfj+7gWVQRM2msZAidCdbp4NddeHYDrlsyOel4QBlnUJPyJFekQygB
    b3ZfyfLl0HEUD9Bb1R4C1uK7tAprVAP8XXA0n8PMhGEmr1SXgodiHpkZ9X4S31ahRh3tSpTn1eGz
    04kydmswhw8RDzCdd18BXBZGDSpzFBSSUr1ttRkQmjTZbBFkNrG092D4yDu7h2xVrePmMcjZMhpL
    UI75Ks2vXO6dX08oey9sbDAezOwZtvSLld936w== )`)
export const MAY_2026 = parseSigTime('20260510120000')
